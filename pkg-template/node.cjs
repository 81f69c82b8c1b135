"use strict";
// Node (CommonJS): the same glue as node.mjs, converted to CommonJS at pack time.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const glue = require("./wasm/truecaller_token.cjs");

glue.initSync({ module: readFileSync(join(__dirname, "wasm", "truecaller_token_bg.wasm")) });

exports.requestToken = glue.requestToken;
exports.TokenClient = glue.TokenClient;
exports.TruecallerError = glue.TruecallerError;
exports.DEFAULT_BASE_URL = glue.DEFAULT_BASE_URL;
