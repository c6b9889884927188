// Charts of the insights pages (course reports, a learner's own trends) and the progress of a
// release being built. The numbers come from a JSON data island; every chart has a table with
// the same numbers on the page, so nothing depends on this script.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { readIsland } from "./lib/data-island.js";
import { intervalConfig, intervalHeight } from "./lib/interval-chart.js";
import { pollRelease } from "./lib/poll-release.js";
import { trendConfig } from "./lib/trend-chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
Chart.defaults.color = "#1d2330";

function courseReport(data) {
  const canvas = document.querySelector('canvas[data-chart="intervals"]');
  if (!canvas || !data.metrics) return;
  const select = document.querySelector("[data-chart-select]");
  const box = canvas.closest("[data-chart-box]");
  let chart = null;
  const draw = (name) => {
    const metric = data.metrics[name];
    if (!metric) return;
    if (box) box.style.height = `${intervalHeight(metric.rows.length)}px`;
    if (chart) chart.destroy();
    chart = new Chart(canvas, intervalConfig(name, metric));
    canvas.dataset.metric = name;
    canvas.dataset.ready = "1";
  };
  draw(select && select.value ? select.value : data.default);
  if (select) select.addEventListener("change", () => draw(select.value));
}

function myTrends(data) {
  const byId = new Map((data.modules || []).map((m) => [m.id, m]));
  for (const canvas of document.querySelectorAll('canvas[data-chart="trend"]')) {
    const module = byId.get(canvas.dataset.module);
    if (module && module.points.length) {
      new Chart(canvas, trendConfig(module));
      canvas.dataset.ready = "1";
    }
  }
}

const data = readIsland("insights-data");
if (data && data.kind === "course-report") courseReport(data);
if (data && data.kind === "my-trends") myTrends(data);
for (const box of document.querySelectorAll("[data-release-status-url]")) pollRelease(box);
