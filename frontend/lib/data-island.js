// Read a JSON data island (<script type="application/json">): the page's numbers, never code.
export function readIsland(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent || "null");
  } catch (_error) {
    return null;
  }
}
