/** Names the field a refusal is about, never echoing its value. */
export function issueText(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (issue === undefined) return "invalid body";
  return issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message;
}
