export { newPeerState, type PeerAuth, type PeerSocket, type PeerState } from "./peer-socket.ts";
export { closeToken, onAlarm, onLeave } from "./room-alarm.ts";
export { admitSocket } from "./room-caps.ts";
export { onFrame } from "./room-core.ts";
export {
  newRoomMemo,
  type PushPort,
  type RoomConfig,
  type RoomEnv,
  type RoomMemo,
  type StoredPush,
} from "./room-env.ts";
export type { LogRow, RoomMeta, RoomStore } from "./room-store.ts";
export { type SqlDriver, SqlRoomStore, type SqlValue } from "./sql-room-store.ts";
