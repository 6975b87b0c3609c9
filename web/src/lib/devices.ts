import { signal } from "@preact/signals";

/**
 * The machines this browser is paired with, as signals the first screen reads. Apart from
 * credentials.ts, which parses what IndexedDB holds with the protocol's schemas: a phone with
 * nothing stored (a first visit) renders without loading them.
 */
export type Device = {
  machineId: string;
  token: string;
  credId: string;
  /** The label this phone paired with: the relay keeps it on the token (`tether devices` shows it). */
  label: string;
  pairedAt: number;
  /** What the person renamed the machine to on this phone; else machine.info's name shows. */
  name?: string | undefined;
  /** The machine's relay, as an origin, when it is not the one serving this app. */
  relay?: string | undefined;
};

export const devices = signal<Device[]>([]);
export const credentialsLoaded = signal(false);
