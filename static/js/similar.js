// While a problem report is typed, show up to 5 similar existing problems (debounced).
(function () {
  "use strict";
  var box = document.getElementById("similar-problems");
  var list = document.getElementById("similar-problems-list");
  var title = document.getElementById("title");
  var body = document.getElementById("body");
  if (!box || !list || !title) { return; }
  var timer = null;
  var lastQuery = "";
  var controller = null;

  function isProblemForm() {
    var kind = document.querySelector("[name=kind]:checked") || document.querySelector("select[name=kind], input[name=kind][type=hidden]");
    return !kind || kind.value === "problem";
  }

  function render(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "d-flex align-items-center gap-2 mb-1";
      var state = document.createElement("span");
      state.className = "badge state-" + (item.state || "raised");
      state.textContent = item.state_label || "";
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      var go = document.createElement("a");
      go.href = item.url + "#problem-panel-title";
      // 附议 only where the problem is still open; a closed one can only be read.
      go.className = "btn btn-sm py-0 ms-auto " + (item.cosign ? "btn-outline-warning" : "btn-outline-secondary");
      go.textContent = item.cosign ? "附议" : "查看";
      li.append(state, link, go);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function lookUp() {
    var text = (title.value + " " + (body ? body.value : "")).trim();
    if (!isProblemForm() || text.length < 2) { render([]); return; }
    var query = "title=" + encodeURIComponent(title.value.slice(0, 200)) +
                "&body=" + encodeURIComponent(body ? body.value.slice(0, 2000) : "");
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    fetch(box.dataset.url + "?" + query, {credentials: "same-origin", signal: controller.signal,
                                           headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { /* typing goes on; the next keystroke tries again */ });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 400);
  }

  title.addEventListener("input", schedule);
  if (body) { body.addEventListener("input", schedule); }
  document.querySelectorAll("[name=kind]").forEach(function (el) { el.addEventListener("change", schedule); });
  schedule();
})();
