import { resultText, tool } from "./turn.ts";
import type { Directive, MessagesRequest, Reply } from "./types.ts";

/**
 *   [[todo]]                       → TodoWrite three times (each step further along), then "todos done"
 *   [[tasklist]]                   → the same list with the CLI's task tools: TaskCreate ×3, TaskUpdate #1
 *                                    in progress, then "tasks made"
 *   [[taskstep id=N status=S]]     → TaskUpdate #N to S (deleted too), then "task updated"
 *   [[agent name=Helper dir=/abs]] → a Task call running a subagent whose prompt is `[[sub dir=/abs]]`;
 *                                    after its result, "agent done: <the result's first line>" (bg=1: in the background;
 *                                    notify=S: the turn Claude Code starts by itself when it ends streams over S seconds)
 *   [[sub dir=/abs sleep=60]]      → (the subagent) Bash `echo sub-one`, a background Bash, a Bash that
 *                                    writes dir/sub.txt (a permission prompt in default mode), then
 *                                    its final reply streamed slowly over about N seconds (to be stopped)
 *   [[bg sleep=30 slow=20]]        → a background Bash `sleep N; echo bg-done`, then "bg started" (or,
 *                                    with slow=S, a final reply streamed over about S seconds)
 */
export const agents: Record<string, Directive> = {
  todo: ({ results, nextId }) => {
    const step = results.length;
    if (step >= 3) return { blocks: [{ type: "text", text: "todos done" }], stop: "end_turn" };
    return tool(nextId(), "TodoWrite", { todos: TODOS.map((t, i) => todoAt(t, i, step)) });
  },
  tasklist: ({ results, nextId }) => {
    const step = results.length;
    if (step < TODOS.length)
      return tool(nextId(), "TaskCreate", {
        subject: TODOS[step],
        description: "d",
        activeForm: ACTIVE[step],
      });
    if (step === TODOS.length) return tool(nextId(), "TaskUpdate", { taskId: "1", status: "in_progress" });
    return text("tasks made");
  },
  taskstep: ({ args, results, nextId }) =>
    results.length > 0
      ? text("task updated")
      : tool(nextId(), "TaskUpdate", { taskId: args.id ?? "1", status: args.status ?? "completed" }),
  agent: ({ args, results, body, nextId }) => {
    if (args.notify && notified(body)) return slowReply(Number(args.notify), "agent noticed");
    if (results.length > 0) {
      const first = resultText(results.at(-1)).split("\n")[0] ?? "";
      return { blocks: [{ type: "text", text: `agent done: ${first.slice(0, 200)}` }], stop: "end_turn" };
    }
    const name = (args.name ?? "Helper").replaceAll("_", " ");
    const sub = `[[sub dir=${args.dir ?? "/tmp"} sleep=${args.sleep ?? "60"}]]`;
    return tool(nextId(), "Task", {
      description: `${name} task`,
      prompt: `Work on it. ${sub}`,
      subagent_type: "general-purpose",
      // Foreground, so the turn waits for it (the CLI's default would start it in the background).
      run_in_background: args.bg === "1",
    });
  },
  sub: ({ args, results, nextId }) => subStep(results.length, args, nextId),
  bg: ({ args, results, nextId }) => {
    if (results.length > 0) return args.slow ? slowReply(Number(args.slow)) : text("bg started");
    return tool(nextId(), "Bash", {
      command: `sleep ${args.sleep ?? "30"}; echo bg-done`,
      description: "Background sleeper",
      run_in_background: true,
    });
  },
};

function text(t: string): Reply {
  return { blocks: [{ type: "text", text: t }], stop: "end_turn" };
}

/** The request is of a turn Claude Code started by itself: a background task's notification. */
function notified(body: MessagesRequest): boolean {
  const last = body.messages.filter((m) => m.role === "user").at(-1);
  return JSON.stringify(last?.content ?? "").includes("[SYSTEM NOTIFICATION");
}

/** A final reply streamed over about `seconds` (a long standalone `sleep` is refused by the CLI). */
function slowReply(seconds: number, lead = ""): Reply {
  const chunks = Math.max(1, seconds * 5);
  const words = lead + Array.from({ length: chunks }, (_, i) => ` s${i}`).join("");
  return { blocks: [{ type: "text", text: words }], stop: "end_turn", chunks, chunkMs: 200 };
}

const TODOS = ["Read the code", "Write the fix", "Run the tests"];
const ACTIVE = ["Reading the code", "Writing the fix", "Running the tests"];

/** Item i at step s: done before s, in progress at s, pending after. */
function todoAt(content: string, i: number, step: number) {
  const status = i < step ? "completed" : i === step ? "in_progress" : "pending";
  return { content, status, activeForm: ACTIVE[i] ?? content };
}

function subStep(step: number, args: Record<string, string>, nextId: () => string): Reply {
  const dir = args.dir ?? "/tmp";
  switch (step) {
    case 0:
      return tool(nextId(), "Bash", { command: "echo sub-one", description: "First sub step" });
    case 1:
      return tool(nextId(), "Bash", {
        command: "sleep 2; echo bg-done",
        description: "Background sub step",
        run_in_background: true,
      });
    case 2:
      return tool(nextId(), "Bash", {
        command: `echo sub-two > ${dir}/sub.txt`,
        description: "Write sub.txt",
      });
    case 3:
      return slowReply(Number(args.sleep ?? "60"));
    default:
      return { blocks: [{ type: "text", text: "sub finished" }], stop: "end_turn" };
  }
}
