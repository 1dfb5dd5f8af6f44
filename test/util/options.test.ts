import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { durationOption, integerOption, numberOption } from "../../src/util/options.js";

/** The ConfigError `run` throws (failing when it throws none or another kind). */
function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("option checks: one wording, naming the option path and the value", () => {
  it("integerOption: a whole number of at least min", () => {
    expect(integerOption(3, "retry.attempts")).toBe(3);
    expect(integerOption(0, "page.start", 0)).toBe(0);
    for (const bad of [0, 1.5, Number.NaN, "3", undefined]) {
      const e = configError(() => integerOption(bad, "retry.attempts"));
      expect(e.option).toBe("retry.attempts");
      expect(e.message).toBe(`option "retry.attempts" must be a positive integer; got ${typeof bad === "string" ? `"${bad}"` : String(bad)}`);
    }
    expect(configError(() => integerOption(-1, "page.start", 0)).message).toBe('option "page.start" must be a non-negative integer; got -1');
    expect(configError(() => integerOption(1, "breaker.x", 2)).message).toBe('option "breaker.x" must be an integer >= 2; got 1');
  });

  it("numberOption: a finite number in range", () => {
    expect(numberOption(0.5, "circuitBreaker.failureRate", 0, 1)).toBe(0.5);
    expect(configError(() => numberOption(2, "circuitBreaker.failureRate", 0, 1)).message).toBe(
      'option "circuitBreaker.failureRate" must be a number from 0 to 1; got 2',
    );
    expect(configError(() => numberOption(Number.POSITIVE_INFINITY, "retry.budget.capacity")).message).toBe(
      'option "retry.budget.capacity" must be a number >= 0; got Infinity',
    );
  });

  it("durationOption: ms or a duration string, longer than 0 (or at least min)", () => {
    expect(durationOption(250, "timeout")).toBe(250);
    expect(durationOption("250ms", "timeout")).toBe(250);
    expect(durationOption("5s", "timeout")).toBe(5000);
    expect(durationOption("1.5m", "timeout")).toBe(90_000);
    expect(configError(() => durationOption(0, "timeout")).message).toBe(
      'option "timeout" must be a duration longer than 0 ms (ms, or a string such as "5s"); got 0',
    );
    expect(configError(() => durationOption("50ms", "lockTtl", 100)).message).toBe(
      'option "lockTtl" must be a duration of at least 100 ms (ms, or a string such as "5s"); got "50ms"',
    );
    expect(configError(() => durationOption("soon" as never, "bodyTimeout")).option).toBe("bodyTimeout");
  });
});
