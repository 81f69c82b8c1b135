// Builds the npm package: one cargo build, wasm-bindgen --target web, wasm-opt -Oz,
// a CommonJS copy of the glue (esbuild), the hand-written entries of pkg-template/,
// then `npm pack` into dist/. Prints the size of what each entry loads.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const built = join(root, "target/wasm32-unknown-unknown/release/truecaller_token.wasm");
const bindgen = join(root, "build/bindgen");
const pkg = join(root, "build/pkg");
const dist = join(root, "dist");

// Without the `std` feature: the no_std build (see src/runtime.rs).
run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--no-default-features"]);
rmSync(bindgen, { recursive: true, force: true });
run("wasm-bindgen", ["--target", "web", "--out-dir", bindgen, "--out-name", "truecaller_token", built]);
// The features rustc enables by default for wasm32-unknown-unknown; wasm-opt must accept them.
const features = [
  "--enable-bulk-memory",
  "--enable-bulk-memory-opt",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-reference-types",
  "--enable-multivalue",
  "--enable-call-indirect-overlong",
];
run(bin("wasm-opt"), [
  "-Oz",
  "--converge",
  "--strip-producers",
  "--strip-target-features",
  ...features,
  join(bindgen, "truecaller_token_bg.wasm"),
  "-o",
  join(bindgen, "truecaller_token_bg.wasm"),
]);

minifyNames();

rmSync(pkg, { recursive: true, force: true });
mkdirSync(join(pkg, "wasm"), { recursive: true });
cpSync(join(bindgen, "truecaller_token_bg.wasm"), join(pkg, "wasm/truecaller_token_bg.wasm"));
// wasm-bindgen declares `[Symbol.dispose]()`, which needs TypeScript's esnext.disposable lib;
// the method still exists at run time, but the declaration would break `lib: es2022` users.
const dts = readFileSync(join(bindgen, "truecaller_token.d.ts"), "utf8");
writeFileSync(join(pkg, "wasm/truecaller_token.d.ts"), dts.replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, ""));
// The API, the glue and its JS snippets, bundled and minified: once as ESM (Node ESM, browsers,
// Workers share it, so they share one TruecallerError class) and once as CommonJS.
// The public API is js/api.js, which imports the glue as `../truecaller_token.js`.
cpSync(join(root, "js"), join(bindgen, "js"), { recursive: true });
for (const [format, out] of [
  ["esm", "truecaller_token.js"],
  ["cjs", "truecaller_token.cjs"],
]) {
  run(bin("esbuild"), [
    join(bindgen, "js/api.js"),
    "--bundle",
    "--minify",
    "--legal-comments=none",
    `--format=${format}`,
    `--platform=${format === "cjs" ? "node" : "neutral"}`,
    "--log-level=warning",
    "--log-override:empty-import-meta=silent",
    "--outfile=" + join(pkg, "wasm", out),
  ]);
}
for (const f of ["node.mjs", "node.cjs", "browser.js", "workerd.js", "index.d.ts", "README.md"]) {
  cpSync(join(root, "pkg-template", f), join(pkg, f));
}
const manifest = JSON.parse(readFileSync(join(root, "pkg-template/package.json"), "utf8"));
manifest.version = version;
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

mkdirSync(dist, { recursive: true });
const tgz = `truecaller-token-${version}.tgz`;
rmSync(join(dist, tgz), { force: true });
run("npm", ["pack", pkg, "--pack-destination", dist, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });

const size = (files) => {
  const bufs = files.map((f) => readFileSync(join(pkg, f)));
  const raw = bufs.reduce((n, b) => n + b.length, 0);
  const gz = bufs.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
  return { raw, gz };
};
const wasm = size(["wasm/truecaller_token_bg.wasm"]);
console.log(`\nshipped wasm/truecaller_token_bg.wasm: ${wasm.raw} B raw, ${wasm.gz} B gzip -9`);
for (const [entry, glue] of [
  ["node.mjs", ["wasm/truecaller_token.js"]],
  ["node.cjs", ["wasm/truecaller_token.cjs"]],
  ["browser.js", ["wasm/truecaller_token.js"]],
  ["workerd.js", ["wasm/truecaller_token.js"]],
]) {
  const s = size(["wasm/truecaller_token_bg.wasm", entry, ...glue]);
  console.log(`entry ${entry.padEnd(10)} wasm + JS: ${s.raw} B raw, ${s.gz} B gzip -9`);
}
console.log(`wrote dist/${tgz}`);

// The import and export names wasm-bindgen gives (`./truecaller_token_bg.js` /
// `__wbg_get_d7176cfb76d71114`, `__engine_new`, ...) are ~1 KB of the gzipped .wasm and
// again in the glue. wasm-opt renames them to one or two letters and prints the map;
// the glue is rewritten to match. Any mismatch fails every package test at instantiation.
function minifyNames() {
  const wasmFile = join(bindgen, "truecaller_token_bg.wasm");
  const map = JSON.parse(
    execFileSync(bin("wasm-opt"), [wasmFile, ...features, "--minify-imports-and-exports-and-modules", "-o", wasmFile], {
      cwd: root,
      encoding: "utf8",
    }),
  );
  const glueFile = join(bindgen, "truecaller_token.js");
  let glue = readFileSync(glueFile, "utf8");
  const replace = (from, to) => {
    const next = glue.replace(from, to);
    if (next === glue) throw new Error(`minifyNames: ${from} not found in the glue`);
    glue = next;
  };
  const modules = [...glue.matchAll(/^\s*"([^"]+)": (import\d+),$/gm)].map((m) => [m[1], m[2]]);
  const own = modules.find(([name]) => name === "./truecaller_token_bg.js");
  if (!own) throw new Error("minifyNames: the glue's import object has an unexpected shape");
  const extra = [];
  for (const [module, name, short] of map.imports) {
    if (module === own[0]) {
      replace(new RegExp(`^(\\s*)${name}:`, "m"), `$1${short}:`);
    } else {
      // JS snippets: namespace imports, of which the name is an export.
      const ns = modules.find(([m]) => m === module);
      if (!ns) throw new Error(`minifyNames: no import object for ${module}`);
      extra.push(`${short}: ${ns[1]}.${name}`);
    }
  }
  replace(/return \{\n\s*__proto__: null,\n(\s*"[^"]+": import\d+,\n)+\s*\};/, `return { a: { ...${own[1]}, ${extra.join(", ")} } };`);
  for (const [name, short] of map.exports) {
    glue = glue.replace(new RegExp(`\\bwasm\\.${name.replace(/\$/g, "\\$")}\\b`, "g"), `wasm.${short}`);
  }
  if (/\bwasm\.__/.test(glue)) throw new Error("minifyNames: an export of the glue was not renamed");
  // The glue's JS snippets are the files of js/ that api.js imports: one TruecallerError class.
  replace(/\.\/snippets\/truecaller-token-[0-9a-f]+\/js\//g, "./js/");
  writeFileSync(glueFile, glue);
}
