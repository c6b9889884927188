// Numbers as the pages print them (the server formats the tables the same way).
export function formatValue(value, unit, name) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (unit === "share") return `${Math.round(value * 100)} %`;
  if (unit === "seconds") {
    const s = Math.round(value);
    return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
  }
  return name === "attempts_to_pass" ? value.toFixed(1) : value.toFixed(2);
}

export function shorten(text, max = 46) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
