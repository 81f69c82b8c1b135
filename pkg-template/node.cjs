"use strict";
// Node (CommonJS): the ES module entry, loaded with require() (Node 20.19+, 22.12+), so
// `require` and `import` share one instance and one TruecallerError class.
module.exports = require("./node.mjs");
