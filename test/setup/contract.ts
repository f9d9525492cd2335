import { afterAll, afterEach } from "vitest";
import { takeContractProblems } from "../helpers/contract";

// An answer the OpenAPI document does not allow fails the test whose request got it (or, for
// requests made outside any test, the file).
function failOnContractProblems() {
  const problems = takeContractProblems();
  if (problems.length > 0) {
    throw new Error(`Answers the OpenAPI document does not allow:\n${problems.join("\n")}`);
  }
}

afterEach(failOnContractProblems);
afterAll(failOnContractProblems);
