import { fetchTransport } from "../../src/transport/fetch.js";
import { undiciTransport } from "../../src/transport/undici.js";
import { transportContract } from "./contract.js";

transportContract("undici", () => undiciTransport());
transportContract("fetch", () => fetchTransport());
