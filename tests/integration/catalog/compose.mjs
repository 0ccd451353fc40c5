// Compose subgraph SDL files with @theguild/federation-composition and report the outcome as JSON.
// Usage: node compose.mjs name=path.graphql ...  ->  {"errors": [...], "supergraph": "..."}
import { readFileSync } from "node:fs";
import { parse } from "graphql";
import { composeServices } from "@theguild/federation-composition";

const services = process.argv.slice(2).map((arg) => {
  const [name, path] = arg.split("=");
  return { name, url: `http://${name}.invalid/graphql`, typeDefs: parse(readFileSync(path, "utf8")) };
});
const result = composeServices(services);
const errors = (result.errors ?? []).map((e) => e.message);
process.stdout.write(JSON.stringify({ errors, supergraph: result.supergraphSdl ?? null }));
process.exit(errors.length ? 1 : 0);
