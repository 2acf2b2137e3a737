const katex = require("katex");
let data = "";
process.stdin.on("data", (c) => (data += c));
process.stdin.on("end", () => {
  const blocks = JSON.parse(data);
  const out = blocks.map((tex) => {
    try { katex.renderToString(tex, { displayMode: true, throwOnError: true, strict: "error" }); return null; }
    catch (e) { return String(e.message); }
  });
  process.stdout.write(JSON.stringify(out));
});
