import { describe, expect, it } from "vitest";
import { deviceLabel } from "./device-label.ts";

describe("deviceLabel", () => {
  it("names the browser and the system, so tether devices tells phones apart", () => {
    const pixel =
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    const iphone =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
    const samsung =
      "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";
    const firefoxIos =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15";
    expect(deviceLabel(pixel)).toBe("Chrome on Android");
    expect(deviceLabel(iphone)).toBe("Safari on iPhone");
    expect(deviceLabel(samsung)).toBe("Samsung Internet on Android");
    expect(deviceLabel(firefoxIos)).toBe("Firefox on iPhone");
    expect(deviceLabel("curl/8")).toBe("Tether web on a device");
  });
});
