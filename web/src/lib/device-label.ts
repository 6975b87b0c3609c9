/**
 * A label for the device token when `tether pair --label` gave none, so `tether devices` can tell
 * phones apart: the browser and the system, e.g. "Chrome on Android", "Safari on iPhone".
 */
export function deviceLabel(ua: string = navigator.userAgent): string {
  return `${browserOf(ua)} on ${systemOf(ua)}`;
}

function systemOf(ua: string): string {
  if (/iPhone/.test(ua)) return "iPhone";
  if (/iPad/.test(ua)) return "iPad";
  if (/Android/.test(ua)) return "Android";
  if (/Mac OS X/.test(ua)) return "Mac";
  if (/Windows/.test(ua)) return "Windows";
  if (/Linux/.test(ua)) return "Linux";
  return "a device";
}

/** In this order: Edge, Samsung's and Firefox say Chrome or Safari too; Chrome says Safari. */
function browserOf(ua: string): string {
  if (/EdgA?\//.test(ua)) return "Edge";
  if (/SamsungBrowser\//.test(ua)) return "Samsung Internet";
  if (/Firefox\/|FxiOS\//.test(ua)) return "Firefox";
  if (/Chrome\/|CriOS\//.test(ua)) return "Chrome";
  if (/Safari\//.test(ua)) return "Safari";
  return "Tether web";
}
