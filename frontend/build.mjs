// Bundle each frontend/*.js entry point into candor/static/dist/ (ES modules, no inline code).
import { readdirSync } from "node:fs";
import { build } from "esbuild";

const entryPoints = readdirSync("frontend")
  .filter((name) => name.endsWith(".js"))
  .map((name) => `frontend/${name}`);

await build({
  entryPoints,
  bundle: true,
  format: "esm",
  splitting: true,
  outdir: "candor/static/dist",
  target: ["es2020"],
  minify: true,
  sourcemap: true,
  logLevel: "warning",
  legalComments: "linked",
});
console.log(`built ${entryPoints.length} bundle(s) into candor/static/dist/`);
