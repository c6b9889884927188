// Line charts of a learner's own signal trends on "My data" (Chart.js, tree-shaken). The
// numbers come from a JSON data island; the same numbers are in a table next to the chart,
// which is what screen readers and browsers without JavaScript use.

import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

const COLOURS = ["#23527c", "#8a5300", "#1d6b3a"];

// series: [{label, key, axis?}] — axis "y2" puts a series on a right-hand scale.
export function signalTrendChart(canvas, rows, series) {
  const reduced = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  const scales = { x: { ticks: { maxRotation: 0, autoSkip: true } }, y: { beginAtZero: true } };
  if (series.some((s) => s.axis === "y2")) {
    scales.y2 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
  }
  return new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map((r) => r.label),
      datasets: series.map((s, i) => ({
        label: s.label,
        data: rows.map((r) => r[s.key]),
        yAxisID: s.axis || "y",
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        borderDash: i ? [5, 4] : [],
        tension: 0.2,
      })),
    },
    options: {
      animation: reduced ? false : undefined,
      responsive: true,
      maintainAspectRatio: false,
      scales,
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: { title: (items) => `${rows[items[0].dataIndex].exercise}, ${items[0].label}` },
        },
      },
    },
  });
}
