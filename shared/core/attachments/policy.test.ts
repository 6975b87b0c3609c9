import { describe, expect, it } from "vitest";
import { AttachmentLimits, AttachmentRef, chunkCount } from "../../protocol/attachment.ts";
import {
  classify,
  cleanName,
  encodings,
  fitWithin,
  IMAGE_LONG_SIDE,
  refusal,
  sendsAsIs,
  sizeText,
} from "./policy.ts";

describe("what the phone does with a file before sending", () => {
  it("tells images, text and the rest apart, by type and, for untyped files, by extension", () => {
    expect(classify("a.png", "image/png")).toEqual({ kind: "image", mediaType: "image/png" });
    expect(classify("IMG_1.HEIC", "image/heic")).toEqual({ kind: "image", mediaType: "image/heic" });
    expect(classify("x.svg", "image/svg+xml")).toEqual({ kind: "other" });
    expect(classify("notes.md", "text/markdown")).toEqual({ kind: "text", mediaType: "text/markdown" });
    expect(classify("build.log", "")).toEqual({ kind: "text", mediaType: "text/plain" });
    expect(classify("data.JSON", "application/octet-stream")).toEqual({
      kind: "text",
      mediaType: "application/json",
    });
    expect(classify("a.json", "application/json; charset=utf-8")).toEqual({
      kind: "text",
      mediaType: "application/json",
    });
    expect(classify("report.pdf", "application/pdf")).toEqual({ kind: "other" });
    expect(classify("archive.zip", "")).toEqual({ kind: "other" });
  });

  it("sends an image as it is only in a type Claude takes, within the long side and the byte cap", () => {
    expect(sendsAsIs("image/png", IMAGE_LONG_SIDE, 900, 3_900_000)).toBe(true);
    expect(sendsAsIs("image/png", IMAGE_LONG_SIDE + 1, 900, 1000)).toBe(false);
    expect(sendsAsIs("image/jpeg", 800, 600, AttachmentLimits.imageBytes + 1)).toBe(false);
    expect(sendsAsIs("image/heic", 800, 600, 1000)).toBe(false);
  });

  it("shrinks to the long side keeping the aspect, never enlarges", () => {
    expect(fitWithin(3136, 2352)).toEqual({ width: 1568, height: 1176 });
    expect(fitWithin(1000, 4000)).toEqual({ width: 392, height: 1568 });
    expect(fitWithin(640, 480)).toEqual({ width: 640, height: 480 });
    expect(fitWithin(4000, 3000, 160)).toEqual({ width: 160, height: 120 });
  });

  it("keeps a screenshot PNG when it fits and sends photos as JPEG", () => {
    expect(encodings("image/png")[0]).toEqual({ type: "image/png" });
    expect(encodings("image/jpeg").every((e) => e.type === "image/jpeg")).toBe(true);
    expect(encodings("image/heic")[0]?.type).toBe("image/jpeg");
  });

  it("names refusals by code and file, in words", () => {
    expect(refusal("too_large", "big.log")).toMatchObject({ code: "too_large", name: "big.log" });
    expect(refusal("too_large", "big.log").text).toContain('"big.log" is too large');
    expect(refusal("unsupported_type", "a.pdf").text).toContain("only images");
    expect(refusal("too_many", "x.png").text).toContain(`${AttachmentLimits.perMessage} files`);
  });

  it("makes any name fit the manifest's schema", () => {
    const ok = (name: string) =>
      AttachmentRef.safeParse({
        id: "abcdefghijkl",
        name,
        mediaType: "text/plain",
        bytes: 1,
        sha256: "0".repeat(64),
        chunks: 1,
      }).success;
    for (const raw of [
      "a\u0000b\u001b[31m.txt",
      "\u202eevil.txt",
      "",
      "   ",
      "é".repeat(500),
      "😀".repeat(150),
    ]) {
      const name = cleanName(raw);
      expect(ok(name), JSON.stringify(raw.slice(0, 20))).toBe(true);
    }
    expect(cleanName("a\u0000b.txt")).toBe("ab.txt");
    expect(cleanName("")).toBe("file");
  });

  it("caps an image at 3.75 MiB (5 MiB of base64) and a text file at 1 MB in the manifest", () => {
    const ref = (mediaType: string, bytes: number) =>
      AttachmentRef.safeParse({
        id: "abcdefghijkl",
        name: "f",
        mediaType,
        bytes,
        sha256: "0".repeat(64),
        chunks: chunkCount(bytes),
      }).success;
    expect(ref("image/png", AttachmentLimits.imageBytes)).toBe(true);
    expect(ref("image/png", AttachmentLimits.imageBytes + 1)).toBe(false);
    expect(ref("text/plain", AttachmentLimits.textBytes)).toBe(true);
    expect(ref("text/plain", AttachmentLimits.textBytes + 1)).toBe(false);
  });

  it("says sizes for people", () => {
    expect(sizeText(12)).toBe("12 B");
    expect(sizeText(340_400)).toBe("340 KB");
    expect(sizeText(4_210_000)).toBe("4.2 MB");
  });
});
