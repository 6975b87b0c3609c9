import type { ElementContent, Properties, Root, RootContent } from "hast";
import { type ComponentChildren, h } from "preact";

/**
 * A highlighter's tree as Preact nodes, never as HTML: the text comes from a file on the
 * workstation, so it stays text (which Preact escapes), and every element becomes a span that
 * carries its class names and nothing else (no tag name, attribute or style from the tree). Pure.
 */
export function hastToPreact(root: Root): ComponentChildren[] {
  return root.children.map(toChild);
}

function toChild(node: RootContent | ElementContent): ComponentChildren {
  switch (node.type) {
    case "text":
      return node.value;
    case "element":
      return h("span", { class: classOf(node.properties) }, node.children.map(toChild));
    default:
      // Comments and doctypes: a highlighter does not make them, and they would show nothing.
      return null;
  }
}

function classOf(properties: Properties): string | undefined {
  const c = properties.className;
  return Array.isArray(c) ? c.join(" ") : undefined;
}
