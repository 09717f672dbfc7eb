// Draws the Positieve Gezondheid spider web (radar chart) on the participant page.
// A file, not inline script: the pages run under a strict CSP. The data comes from a
// json_script element; the table beside the chart holds the same figures for everyone
// who cannot see the chart, so the chart adds nothing a screen reader needs.
(function () {
  "use strict";

  const source = document.getElementById("vz-positive-health-data");
  const canvas = document.getElementById("vz-positive-health-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);

  // First measurement dashed, latest solid: told apart by line style, not colour alone.
  const looks = {
    first: {
      borderColor: "#9a5b00",
      backgroundColor: "rgba(154, 91, 0, 0.12)",
      pointBackgroundColor: "#9a5b00",
      borderDash: [6, 4],
    },
    latest: {
      borderColor: "#0a4f5c",
      backgroundColor: "rgba(10, 79, 92, 0.22)",
      pointBackgroundColor: "#0a4f5c",
    },
  };

  // Long labels ("Dagelijks functioneren") on two lines, so they fit a 360 px screen.
  function wrap(label) {
    if (label.length <= 12 || label.indexOf(" ") === -1) {
      return label;
    }
    const middle = label.length / 2;
    let best = -1;
    for (let i = 0; i < label.length; i += 1) {
      if (label[i] === " " && (best === -1 || Math.abs(i - middle) < Math.abs(best - middle))) {
        best = i;
      }
    }
    return [label.slice(0, best), label.slice(best + 1)];
  }

  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  new window.Chart(canvas, {
    type: "radar",
    data: {
      labels: data.labels.map(wrap),
      datasets: data.datasets.map((set) =>
        Object.assign({ label: set.label, data: set.data, borderWidth: 2 }, looks[set.key]),
      ),
    },
    options: {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 1,
      animation: reduceMotion ? false : undefined,
      scales: {
        r: {
          min: 0,
          max: data.max,
          ticks: { stepSize: 2, backdropColor: "transparent" },
          pointLabels: { font: { size: 12 } },
        },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
