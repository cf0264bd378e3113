// GBI web pages: follow long-running work (a payment run). Polls the page's own progress endpoint every two
// seconds and updates the <progress> bar and the status text (a polite live region); stops when the work is done.
// Without JavaScript the page shows the stand at load time and a link to refresh it.
(function () {
  "use strict";
  var blok = document.getElementById("voortgang");
  if (!blok) {
    return;
  }
  var bron = blok.getAttribute("data-bron");
  var balk = document.getElementById("voortgang-balk");
  var velden = {
    gedaan: document.getElementById("voortgang-gedaan"),
    totaal: document.getElementById("voortgang-totaal"),
    procent: document.getElementById("voortgang-procent"),
    status: document.getElementById("voortgang-status")
  };

  function toon(stand) {
    balk.max = stand.totaal || 1;
    balk.value = stand.gedaan;
    balk.textContent = stand.procent + "%";
    velden.gedaan.textContent = String(stand.gedaan);
    velden.totaal.textContent = String(stand.totaal);
    velden.procent.textContent = String(stand.procent);
    velden.status.textContent = stand.status || "onbekend";
  }

  function vraag() {
    fetch(bron, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (antwoord) {
        if (!antwoord.ok) {
          throw new Error(String(antwoord.status));
        }
        return antwoord.json();
      })
      .then(function (stand) {
        toon(stand);
        if (!stand.klaar) {
          window.setTimeout(vraag, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(vraag, 5000);
      });
  }

  window.setTimeout(vraag, 2000);
})();
