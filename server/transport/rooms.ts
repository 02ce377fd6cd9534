import type { Identity } from "../auth/credentials.js";

/** socket.io room names; every room is scoped to one store. */
export const rooms = {
  store: (storeId: string) => `s:${storeId}`,
  role: (storeId: string, role: string) => `s:${storeId}:r:${role}`,
  associate: (storeId: string, associateId: string) => `s:${storeId}:a:${associateId}`,
  visit: (storeId: string, visitId: string) => `s:${storeId}:v:${visitId}`,
  /** One paired device, so that revoking it can end its sockets. */
  device: (storeId: string, deviceId: string) => `s:${storeId}:d:${deviceId}`,
  /** One signed-in session, so that signing out can end its sockets. */
  session: (storeId: string, sessionId: string) => `s:${storeId}:sess:${sessionId}`,
};

/** The rooms a socket of this identity joins. */
export function roomsOf(identity: Identity): string[] {
  const { storeId } = identity;
  const joined = [rooms.store(storeId), rooms.role(storeId, identity.role)];
  if (identity.role === "associate" || identity.role === "manager") {
    joined.push(rooms.associate(storeId, identity.associateId));
    joined.push(rooms.session(storeId, identity.sessionId));
  }
  if (identity.role === "kiosk" || identity.role === "display") {
    joined.push(rooms.device(storeId, identity.deviceId));
  }
  if (identity.role === "customer") joined.push(rooms.visit(storeId, identity.visitId));
  return joined;
}
