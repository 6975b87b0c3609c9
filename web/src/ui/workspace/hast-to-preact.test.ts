import type { Root } from "hast";
import { type ComponentChildren, isValidElement } from "preact";
import { describe, expect, it } from "vitest";
import { hastToPreact } from "./hast-to-preact.ts";
import { highlight } from "./highlighter.ts";

describe("hastToPreact", () => {
  it("makes spans with the tree's class names around the text, nested as the tree is", () => {
    const root: Root = {
      type: "root",
      children: [
        {
          type: "element",
          tagName: "span",
          properties: { className: ["hljs-keyword"] },
          children: [t("const")],
        },
        t(" x = "),
        {
          type: "element",
          tagName: "span",
          properties: { className: ["hljs-title", "function_"] },
          children: [t("f"), { type: "element", tagName: "span", properties: {}, children: [t("()")] }],
        },
      ],
    };
    expect(hastToPreact(root).map(shape)).toEqual([
      ["span", { class: "hljs-keyword" }, "const"],
      " x = ",
      ["span", { class: "hljs-title function_" }, "f", ["span", {}, "()"]],
    ]);
    expect(hastToPreact(root).map(text).join("")).toBe("const x = f()");
  });

  it("keeps markup in the file as text, and takes nothing but class names from an element", () => {
    const root: Root = {
      type: "root",
      children: [
        {
          type: "element",
          tagName: "img",
          properties: { className: ["evil", "x"], src: "x", onError: "alert(1)", style: "color:red" },
          children: [t("<img src=x onerror=alert(1)>")],
        },
        { type: "comment", value: "not shown" },
      ],
    };
    expect(hastToPreact(root).map(shape)).toEqual([
      ["span", { class: "evil x" }, "<img src=x onerror=alert(1)>"],
      null,
    ]);
  });

  it("renders what the highlighter makes of TypeScript and Python, keeping every character", () => {
    const ts = "export function greet(name: string): string {\n  return 'hi ' + name; // <b>\n}\n";
    const tsNodes = hastToPreact(highlight("typescript", ts));
    expect(tsNodes.map(text).join("")).toBe(ts);
    expect(tsNodes.map(shape)).toContainEqual(["span", { class: "hljs-keyword" }, "export"]);
    expect(tsNodes.map(shape)).toContainEqual(["span", { class: "hljs-comment" }, "// <b>"]);
    const py = "def add(a, b):\n    return a + b  # sum\n";
    const pyNodes = hastToPreact(highlight("python", py));
    expect(pyNodes.map(text).join("")).toBe(py);
    expect(pyNodes.map(shape)).toContainEqual(["span", { class: "hljs-keyword" }, "def"]);
  });
});

function t(value: string) {
  return { type: "text", value } as const;
}

/** A node as data: text, or [type, props without children, ...children]; the class of what is rendered. */
function shape(c: ComponentChildren): unknown {
  if (!isValidElement(c)) return c;
  const { children, ...props } = c.props as { children?: ComponentChildren[] };
  return [c.type, props, ...(children ?? []).map(shape)];
}

function text(c: ComponentChildren): string {
  if (typeof c === "string") return c;
  if (!isValidElement(c)) return "";
  return ((c.props as { children?: ComponentChildren[] }).children ?? []).map(text).join("");
}
