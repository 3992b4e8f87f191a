// Post editor: upload an image and insert its Markdown at the cursor; show SARA fields for problems.
(function () {
  "use strict";
  var form = document.getElementById("image-form");
  var body = document.getElementById("body");
  var result = document.getElementById("image-result");

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    var before = value.slice(0, start), after = value.slice(end);
    var prefix = before && !before.endsWith("\n") ? "\n" : "";
    textarea.value = before + prefix + text + "\n" + after;
    var caret = (before + prefix + text + "\n").length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
  }

  if (form && body) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      result.textContent = "正在上传…";
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (answer) {
        if (!answer.ok) { result.textContent = answer.data.error || "上传失败。"; return; }
        insertAtCursor(body, answer.data.markdown);
        result.textContent = "已插入：" + answer.data.markdown;
        form.querySelector("input[type=file]").value = "";
      }).catch(function () { result.textContent = "上传失败，请检查网络后重试。"; });
    });
  }

  var problemFields = document.getElementById("problem-fields");
  var kinds = document.querySelectorAll("input[name=kind]");
  function showProblemFields() {
    var checked = document.querySelector("input[name=kind]:checked");
    problemFields.hidden = !(checked && checked.value === "problem");
  }
  if (problemFields && kinds.length) {
    kinds.forEach(function (input) { input.addEventListener("change", showProblemFields); });
    showProblemFields();
  }
})();
