// "My data": charts of the learner's own signal trends. The page is complete without this
// script (the table holds every number); this only draws the same numbers as lines.

import { readIsland } from "./lib/data-island.js";
import { signalTrendChart } from "./lib/mydata-charts.js";

const rows = readIsland("signal-trends");
const time = document.getElementById("chart-time");
const typing = document.getElementById("chart-typing");
if (Array.isArray(rows) && rows.length && time && typing) {
  signalTrendChart(time, rows, [
    { label: "Time on task (s)", key: "time_on_task_s" },
    { label: "Typing (s)", key: "active_s" },
  ]);
  signalTrendChart(typing, rows, [
    { label: "Characters per minute", key: "typing_speed_cpm" },
    { label: "Correction rate", key: "correction_rate", axis: "y2" },
  ]);
  document.documentElement.classList.add("has-trend-charts");
}
