// Builds the npm package: `wasm-pack build --release --target web` (its files shipped as
// generated), binaryen's wasm-opt -Oz on the one .wasm, the hand-written entries of
// pkg-template/, the declarations of src/exports/types.d.ts, then `npm pack` into dist/.
// Prints the size of what each entry loads.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });

const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const built = join(root, "build/wasm-pack");
const pkg = join(root, "build/pkg");
const dist = join(root, "dist");

// --mode no-install: the wasm-bindgen-cli that scripts/setup.sh installed (the Cargo.lock version).
rmSync(built, { recursive: true, force: true });
run("wasm-pack", [
  "--quiet",
  "build",
  "--release",
  "--target",
  "web",
  "--mode",
  "no-install",
  "--no-pack",
  "--out-dir",
  built,
  "--out-name",
  "truecaller_token",
  "--",
  "--features",
  "js-api",
]);

rmSync(pkg, { recursive: true, force: true });
mkdirSync(join(pkg, "wasm"), { recursive: true });
for (const f of ["truecaller_token.js", "truecaller_token.d.ts", "truecaller_token_bg.wasm.d.ts", "snippets"]) {
  cpSync(join(built, f), join(pkg, "wasm", f), { recursive: true });
}
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
// -Os with a GUFA pass between two rounds gzips smaller than -Oz (which wins on raw bytes);
// gzip -9 is what a runtime entry is measured by.
run(bin("wasm-opt"), [
  "-Os",
  "--gufa",
  "-Os",
  "--strip-debug",
  "--strip-producers",
  "--strip-target-features",
  ...features,
  join(built, "truecaller_token_bg.wasm"),
  "-o",
  join(pkg, "wasm/truecaller_token_bg.wasm"),
]);
for (const f of ["node.mjs", "node.cjs", "browser.js", "workerd.js", "README.md"]) {
  cpSync(join(root, "pkg-template", f), join(pkg, f));
}
cpSync(join(root, "pkg-template/stores"), join(pkg, "stores"), { recursive: true });
// The command line's shim (`bin`), executable.
cpSync(join(root, "pkg-template/bin"), join(pkg, "bin"), { recursive: true });
chmodSync(join(pkg, "bin/truecaller-token.mjs"), 0o755);
// One set of declarations (also the .wasm's typescript_custom_section), typed once for
// `import` (.d.ts) and once for `require` (.d.cts).
const types = readFileSync(join(root, "src/exports/types.d.ts"), "utf8");
writeFileSync(join(pkg, "index.d.ts"), types);
writeFileSync(join(pkg, "index.d.cts"), types);
// Its "sideEffects" lists the entries (each instantiates the .wasm when imported): `false` would let a
// bundler skip an entry's initSync and import the wasm-bindgen glue directly.
const manifest = JSON.parse(readFileSync(join(root, "pkg-template/package.json"), "utf8"));
manifest.version = version;
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

mkdirSync(dist, { recursive: true });
const tgz = `truecaller-token-${version}.tgz`;
rmSync(join(dist, tgz), { force: true });
run("npm", ["pack", pkg, "--pack-destination", dist, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });

export const sizes = (files) => {
  const bufs = files.map((f) => readFileSync(join(pkg, f)));
  return {
    raw: bufs.reduce((n, b) => n + b.length, 0),
    gz: bufs.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
  };
};
const wasm = sizes(["wasm/truecaller_token_bg.wasm"]);
console.log(`\nshipped wasm/truecaller_token_bg.wasm: ${wasm.raw} B raw, ${wasm.gz} B gzip -9`);
for (const entry of ["node.mjs", "browser.js", "workerd.js"]) {
  const s = sizes(["wasm/truecaller_token_bg.wasm", "wasm/truecaller_token.js", entry]);
  console.log(`entry ${entry.padEnd(10)} wasm + glue + entry: ${s.raw} B raw, ${s.gz} B gzip -9 (make bench counts every file it loads)`);
}
console.log(`wrote dist/${tgz}`);
