// The referral form's waiting-time forecasts (data-vz-forecasts): when the POH picks an
// intended provider (and a care level), the rows of that provider are highlighted and
// their forecast is read out under the provider field (a polite live region). Without
// JavaScript the table under the field shows every provider's forecast all the same.
(function () {
  "use strict";

  const table = document.getElementById("provider-forecasts");
  const line = document.querySelector("[data-vz-forecast-chosen]");
  const provider = document.getElementById("id_intended_provider");
  const level = document.getElementById("id_care_level");
  if (!table || !line || !provider) return;

  function update() {
    const chosen = Array.from(table.tBodies[0].rows).filter(function (row) {
      const match =
        row.dataset.vzProvider === provider.value &&
        (!level || !level.value || row.dataset.vzCareLevel === level.value);
      row.classList.toggle("table-primary", match);
      if (match) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
      return match;
    });
    line.textContent = chosen
      .map(function (row) {
        return row.dataset.vzLine;
      })
      .join(" · ");
  }

  provider.addEventListener("change", update);
  if (level) level.addEventListener("change", update);
  update();
})();
