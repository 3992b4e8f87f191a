// The bulletin page: queue a build without leaving the page, then poll its progress.
(function () {
  "use strict";
  const box = document.getElementById("bulletin-build");
  if (!box) return;
  const form = document.getElementById("bulletin-build-form");
  const message = document.getElementById("bulletin-build-message");
  const progress = box.querySelector(".progress");
  const bar = box.querySelector(".progress-bar");
  const statusUrl = box.dataset.statusUrl;

  function show(state) {
    const pct = state.progress || 0;
    bar.style.width = pct + "%";
    progress.setAttribute("aria-valuenow", pct);
    let text = (state.label ? state.label + "：" : "") + (state.message || state.error || "");
    if (state.status === "queued" && state.ahead) text += "（前面还有 " + state.ahead + " 个任务）";
    message.textContent = text;
  }

  function poll() {
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json())
      .then((state) => {
        show(state);
        if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 1500);
        } else if (state.status === "done") {
          window.location.reload();
        } else {
          progress.classList.add("d-none");
        }
      })
      .catch(() => window.setTimeout(poll, 4000));
  }

  bar.style.width = (bar.dataset.progress || 0) + "%";
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    progress.classList.remove("d-none");
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
      .then(({ ok, body }) => {
        show(body);
        if (ok) poll(); else progress.classList.add("d-none");
      })
      .catch(() => form.submit());
  });
  if (box.dataset.active === "true") poll();
})();
