import { useEffect, useState } from "preact/hooks";
import type { RoomModel } from "../state/room-model.ts";
import { acquireRoom, releaseRoom } from "../state/rooms.ts";

export type RoomHandle = { model: RoomModel | null; missing: boolean };

/** Holds a room open while the component is mounted. */
export function useRoom(room: string, essential: string): RoomHandle {
  const [handle, setHandle] = useState<RoomHandle>({ model: null, missing: false });
  useEffect(() => {
    let live = true;
    let held = false;
    setHandle({ model: null, missing: false });
    void acquireRoom(room, essential).then((r) => {
      if (!r.ok) return live && setHandle({ model: null, missing: true });
      held = true;
      // Unmounted while the room was being opened: give it back at once.
      if (!live) return releaseRoom(room);
      setHandle({ model: r.model, missing: false });
    });
    return () => {
      live = false;
      if (held) releaseRoom(room);
    };
  }, [room, essential]);
  return handle;
}
