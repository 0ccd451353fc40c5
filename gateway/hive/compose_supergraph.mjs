// Compose subgraph SDLs into a Federation v2 supergraph with @theguild/federation-composition.
// Usage: node compose_supergraph.mjs name=url=path.graphql ... > supergraph.graphql
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";

const services = process.argv.slice(2).map((arg) => {
  const [name, url, path] = arg.split("=");
  return { name, url, typeDefs: parse(readFileSync(path, "utf8")) };
});
const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const e of result.errors) console.error(e.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
