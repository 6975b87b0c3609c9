import { describe, expect, it } from "vitest";
import { iosOutsideHomeScreen } from "./install-offer.ts";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const IPAD_DESKTOP_MODE =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const ANDROID =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

describe("iosOutsideHomeScreen: who is told about the Home Screen", () => {
  it("an iPhone, and an iPad that calls itself a Mac, in a browser tab", () => {
    expect(iosOutsideHomeScreen({ userAgent: IPHONE, maxTouchPoints: 5, standalone: false })).toBe(true);
    expect(iosOutsideHomeScreen({ userAgent: IPAD_DESKTOP_MODE, maxTouchPoints: 5, standalone: false })).toBe(
      true,
    );
  });

  it("not once added to the Home Screen, not a Mac, not Android", () => {
    expect(iosOutsideHomeScreen({ userAgent: IPHONE, maxTouchPoints: 5, standalone: true })).toBe(false);
    expect(iosOutsideHomeScreen({ userAgent: IPAD_DESKTOP_MODE, maxTouchPoints: 0, standalone: false })).toBe(
      false,
    );
    expect(iosOutsideHomeScreen({ userAgent: ANDROID, maxTouchPoints: 5, standalone: false })).toBe(false);
  });
});
