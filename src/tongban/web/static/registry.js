// Live progress of a base build: poll /registry/progress while the build runs, then reload the page.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.getAttribute("data-running") !== "true") { return; }
  function show(job) {
    Object.keys(job.stages || {}).forEach(function (stage) {
      var li = box.querySelector('[data-stage="' + stage + '"]');
      if (!li) { return; }
      var s = job.stages[stage];
      var bar = li.querySelector("progress");
      bar.max = s[1] || 1;
      bar.value = s[0];
      li.querySelector("[data-count]").textContent = s[0] + "/" + (s[1] || "?");
    });
  }
  function poll() {
    fetch("/registry/progress?base=" + encodeURIComponent(box.getAttribute("data-base") || "population"),
          {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (job.running) { setTimeout(poll, 1000); } else { window.location.reload(); }
      });
  }
  setTimeout(poll, 1000);
})();
