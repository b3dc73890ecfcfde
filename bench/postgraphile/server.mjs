// Serve PostGraphile on PORT (default 5678), one Node process; bench/compare.py starts it.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const port = Number(process.env.PORT || 5678);
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
serv.addTo(server).then(() => {
  server.listen(port, "127.0.0.1", () => console.log(`postgraphile listening on ${port}`));
});
