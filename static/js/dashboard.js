// Draws the coordinator dashboard's charts (and any other canvas[data-vz-chart], such
// as the Positieve Gezondheid history in the warm-handover package) and wires the print
// button.
// A file, not inline script: the pages run under a strict CSP. Each canvas names the
// json_script element with its data (data-vz-chart). Every chart has a data table beside
// or below it with the same figures, so the chart adds nothing a screen reader needs.
// A withheld figure ("te weinig") arrives as null and is simply not drawn. A month still
// running (spec.partial) gets an open point and a dotted stretch of line; the aim lines
// (datasets with aim: true) are thin grey dashes without points.
(function () {
  "use strict";

  document.querySelectorAll("[data-vz-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  if (typeof window.Chart === "undefined") {
    return;
  }

  const lang = document.documentElement.lang || "nl";
  const oneDecimal = new Intl.NumberFormat(lang, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Lines are told apart by dash pattern and point shape as well as colour.
  const lineLooks = [
    { borderColor: "#0a4f5c", pointStyle: "circle" },
    { borderColor: "#9a5b00", pointStyle: "rect", borderDash: [10, 4] },
    { borderColor: "#5b2a86", pointStyle: "triangle", borderDash: [3, 3] },
    { borderColor: "#b02a37", pointStyle: "rectRot", borderDash: [12, 4, 3, 4] },
    { borderColor: "#3d4a55", pointStyle: "crossRot", borderDash: [2, 6] },
    { borderColor: "#1f6f3a", pointStyle: "star", borderDash: [8, 3, 2, 3, 2, 3] },
  ];

  function format(value, unit) {
    if (value === null || value === undefined) {
      return "—";
    }
    return unit === "%" ? oneDecimal.format(value) + "%" : whole.format(value);
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.vzChart);
    if (!source) {
      return;
    }
    const spec = JSON.parse(source.textContent);
    const isLine = spec.type === "line";
    const partial = spec.partial || [];
    const datasets = spec.datasets.map(function (set, index) {
      const base = { label: set.label, data: set.data, borderWidth: 2 };
      if (isLine && set.aim) {
        return Object.assign(base, {
          borderColor: "#495057",
          backgroundColor: "#495057",
          borderDash: [6, 6],
          borderWidth: 1.5,
          pointRadius: 0,
          pointHitRadius: 0,
          pointStyle: "line",
        });
      }
      if (isLine) {
        const look = lineLooks[index % lineLooks.length];
        return Object.assign(base, look, {
          backgroundColor: look.borderColor,
          pointBackgroundColor: function (context) {
            return partial[context.dataIndex] ? "#ffffff" : look.borderColor;
          },
          pointRadius: 4,
          spanGaps: false,
          tension: 0,
          segment: {
            borderDash: function (context) {
              return partial[context.p1DataIndex] ? [2, 3] : undefined;
            },
          },
        });
      }
      return Object.assign(base, { backgroundColor: "#0a4f5c", borderColor: "#0a4f5c" });
    });

    // Axis ticks in whole numbers; the tooltips and the table give the decimal.
    const yScale = {
      beginAtZero: true,
      ticks: {
        precision: 0,
        callback: function (value) {
          return whole.format(value) + (spec.unit === "%" ? "%" : "");
        },
      },
    };
    if (spec.max !== null && spec.max !== undefined) {
      yScale.max = spec.max;
    }

    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        scales: { y: yScale },
        plugins: {
          legend: { display: isLine, position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + format(context.parsed.y, spec.unit);
              },
            },
          },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-vz-chart]").forEach(draw);
})();
