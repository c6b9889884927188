// A learner's own trend in one module: minutes per attempt and correction rate, in order.
export function trendConfig(module) {
  const points = module.points;
  return {
    type: "line",
    data: {
      labels: points.map((p, i) => `${i + 1}`),
      datasets: [
        {
          label: "Minutes on the attempt",
          data: points.map((p) => p.minutes),
          borderColor: "#23527c",
          backgroundColor: "#23527c",
          yAxisID: "y",
          tension: 0,
        },
        {
          label: "Correction rate",
          data: points.map((p) => p.correction_rate),
          borderColor: "#8a5300",
          backgroundColor: "#8a5300",
          borderDash: [5, 4],
          yAxisID: "y1",
          tension: 0,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { title: { display: true, text: "Attempt, in the order you worked" } },
        y: { beginAtZero: true, title: { display: true, text: "Minutes" } },
        y1: {
          beginAtZero: true,
          position: "right",
          grid: { drawOnChartArea: false },
          title: { display: true, text: "Correction rate" },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { title: (items) => `${points[items[0].dataIndex].exercise} (${points[items[0].dataIndex].at})` } },
      },
    },
  };
}
