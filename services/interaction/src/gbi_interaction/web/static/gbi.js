// GBI web pages: the session warning. The server ends a session after 15 minutes without a request; two minutes
// before, this shows a warning with a button to stay logged in (a POST with the page's CSRF token). When the time
// is up, the browser goes to the "sessie verlopen" page. Everything else works without JavaScript.
(function () {
  "use strict";
  var body = document.body;
  var rest = parseInt(body.getAttribute("data-sessie-resterend") || "", 10);
  var venster = document.getElementById("sessie-waarschuwing");
  if (!rest || !venster) {
    return;
  }
  var WAARSCHUW_S = 120;
  var einde = Date.now() + rest * 1000;
  var teller = document.getElementById("sessie-seconden");
  var knop = document.getElementById("sessie-verleng");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var getoond = false;

  function tik() {
    var over = Math.max(0, Math.round((einde - Date.now()) / 1000));
    if (over <= 0) {
      window.location.assign("/login/verlopen");
      return;
    }
    if (over <= WAARSCHUW_S) {
      teller.textContent = String(over);
      if (!getoond) {
        getoond = true;
        venster.hidden = false;
        knop.focus();
      }
    }
    window.setTimeout(tik, 1000);
  }

  knop.addEventListener("click", function () {
    fetch("/sessie/verleng", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": tokenMeta ? tokenMeta.getAttribute("content") : "" }
    }).then(function (antwoord) {
      if (antwoord.status !== 204) {
        window.location.assign("/login/verlopen");
        return;
      }
      var nieuw = parseInt(antwoord.headers.get("GBI-Sessie-Resterend") || "0", 10);
      einde = Date.now() + nieuw * 1000;
      getoond = false;
      venster.hidden = true;
    }).catch(function () {
      window.location.assign("/login/verlopen");
    });
  });

  window.setTimeout(tik, 1000);
})();
