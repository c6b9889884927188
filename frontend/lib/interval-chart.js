// Each exercise's released estimate with its 95 % interval (a floating bar), the course as a
// dashed line, and clearly harder exercises in orange: the hard ones stand out at a glance.
import { formatValue, shorten } from "./format.js";

const BRAND = "#23527c";
const HARD = "#c2410c";

const courseLine = {
  id: "courseLine",
  afterDatasetsDraw(chart, _args, options) {
    if (options.value === null || options.value === undefined) return;
    const { ctx, chartArea, scales } = chart;
    const x = scales.x.getPixelForValue(options.value);
    if (x < chartArea.left || x > chartArea.right) return;
    ctx.save();
    ctx.strokeStyle = "#1d2330";
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, chartArea.top);
    ctx.lineTo(x, chartArea.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#1d2330";
    ctx.font = "12px system-ui, sans-serif";
    const text = options.label || "course";
    const width = ctx.measureText(text).width;
    ctx.fillText(text, Math.max(chartArea.left, Math.min(x - width / 2, chartArea.right - width)), chartArea.top - 6);
    ctx.restore();
  },
};

export function intervalConfig(name, data) {
  const rows = data.rows;
  const colour = (row, alpha) => (row.hard ? HARD : BRAND) + alpha;
  const percent = data.percent;
  return {
    type: "bar",
    data: {
      labels: rows.map((r) => shorten(r.label) + (r.hard ? "  ▲ harder" : "")),
      datasets: [
        {
          type: "bar",
          label: "95 % interval",
          data: rows.map((r) => [r.low, r.high]),
          backgroundColor: rows.map((r) => colour(r, "55")),
          borderColor: rows.map((r) => colour(r, "")),
          borderWidth: 1,
          borderSkipped: false,
          barPercentage: 0.55,
        },
        {
          type: "line",
          label: "Estimate",
          data: rows.map((r) => r.value),
          showLine: false,
          pointRadius: 5,
          pointHoverRadius: 7,
          pointStyle: "rectRot",
          pointBackgroundColor: rows.map((r) => colour(r, "")),
          pointBorderColor: "#ffffff",
          backgroundColor: BRAND,
          borderColor: BRAND,
        },
      ],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { top: 18 } },
      scales: {
        x: {
          min: percent ? 0 : undefined,
          max: percent ? 1 : undefined,
          beginAtZero: true,
          title: { display: true, text: data.label },
          ticks: { callback: (v) => formatValue(Number(v), data.unit, name) },
        },
        y: { ticks: { autoSkip: false, font: { size: 12 } } },
      },
      plugins: {
        legend: { position: "bottom" },
        courseLine: { value: data.course, label: `course ${formatValue(data.course, data.unit, name)}` },
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0].dataIndex].label,
            label: (item) => {
              const r = rows[item.dataIndex];
              return `${formatValue(r.value, data.unit, name)} (95 %: ${formatValue(r.low, data.unit, name)} – ${formatValue(r.high, data.unit, name)})`;
            },
          },
        },
      },
    },
    plugins: [courseLine],
  };
}

export function intervalHeight(rows) {
  return Math.max(220, 70 + 30 * rows);
}
