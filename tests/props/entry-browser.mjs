// Chromium: window.runAnswers(config), against the package's browser entry served at /pkg/.
import { run } from "./runtime-entry.mjs";

window.runAnswers = async (config) => run(await import("/pkg/browser.js"), config);
