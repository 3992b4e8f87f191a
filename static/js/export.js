// A background ledger export: poll its progress; show the download link when it is done.
(function () {
  "use strict";
  const box = document.getElementById("export-job");
  if (!box || box.dataset.active !== "true") return;
  const bar = box.querySelector("progress");
  const message = document.getElementById("export-message");
  const download = document.getElementById("export-download");

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => r.json())
      .then((state) => {
        bar.value = state.progress || 0;
        message.textContent = state.label + "：" + state.message;
        if (state.status === "queued" || state.status === "running") {
          window.setTimeout(poll, 1500);
        } else if (state.status === "done") {
          download.hidden = false;
        }
      })
      .catch(() => window.setTimeout(poll, 4000));
  }
  poll();
})();
