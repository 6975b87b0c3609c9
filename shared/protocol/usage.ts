import { z } from "zod";

/**
 * Usage limits and the account (docs/protocol.md §9.11): the subscription's usage windows as the
 * Claude CLI reports them (`rate_limit_event`), and whether this machine's Claude Code can reach
 * the model at all. Strict schemas are what the bridge sends; `Tolerant…` ones what the phone reads.
 */

/** How a usage window stands: `rejected` stops turns until `resetsAt`. */
export const LimitStatus = z.enum(["allowed", "allowed_warning", "rejected"]);
export type LimitStatus = z.infer<typeof LimitStatus>;

/**
 * One usage window. `kind` is the CLI's name for it (`five_hour`, `seven_day`, `seven_day_opus`,
 * `overage`, …; new ones may come), `resetsAt` epoch ms, `utilization` the part used (0–1).
 */
export const UsageLimit = z.object({
  kind: z.string().min(1).max(64),
  status: LimitStatus,
  resetsAt: z.number().optional(),
  utilization: z.number().min(0).max(100).optional(),
});
export type UsageLimit = z.infer<typeof UsageLimit>;

/** The windows as last reported, every one the CLI named; sent when they change. */
export const SessionUsage = z.object({ limits: z.array(UsageLimit).max(16), at: z.number() });
export type SessionUsage = z.infer<typeof SessionUsage>;

/** A status or window this app does not know is still shown by name; a broken window is dropped. */
export const TolerantUsageLimit = UsageLimit.extend({
  status: z.string(),
  resetsAt: z.number().nullable().optional(),
  utilization: z.number().nullable().optional(),
});
export type TolerantUsageLimit = z.infer<typeof TolerantUsageLimit>;
export const TolerantSessionUsage = z.object({
  limits: z.array(z.unknown()).transform((ls) =>
    ls.flatMap((l) => {
      const r = TolerantUsageLimit.safeParse(l);
      return r.success ? [r.data] : [];
    }),
  ),
  at: z.number(),
});
export type TolerantSessionUsage = z.infer<typeof TolerantSessionUsage>;

/**
 * Why Claude Code cannot answer on this machine: `not_signed_in` (no login, no key),
 * `invalid_key` (the API refused the credentials), `unreachable` (no answer from the API),
 * `account_problem` (billing, an organization's rule, a hold on the account).
 */
export const AccountProblemCode = z.enum(["not_signed_in", "invalid_key", "unreachable", "account_problem"]);
export type AccountProblemCode = z.infer<typeof AccountProblemCode>;

/** `text`: what Claude Code said; `fix`: what to do on the workstation, in words. */
export const AccountProblem = z.object({
  code: AccountProblemCode,
  text: z.string().max(2000),
  fix: z.string().max(2000),
});
export type AccountProblem = z.infer<typeof AccountProblem>;

/** Machine room: whether Claude Code works here, after every check and change. */
export const MachineAccount = z.object({
  ok: z.boolean(),
  problem: AccountProblem.optional(),
  at: z.number(),
});
export type MachineAccount = z.infer<typeof MachineAccount>;

export const TolerantMachineAccount = MachineAccount.extend({
  problem: AccountProblem.extend({ code: z.string() }).nullable().optional(),
});
export type TolerantMachineAccount = z.infer<typeof TolerantMachineAccount>;

/** Machine room, controller: check the account now and retry what waits for it. */
export const CheckAccount = z.object({});
export type CheckAccount = z.infer<typeof CheckAccount>;
