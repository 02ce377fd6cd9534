import type { Identity } from "../auth/credentials.js";

/** socket.io room names; every room is scoped to one store. */
export const rooms = {
  store: (storeId: string) => `s:${storeId}`,
  role: (storeId: string, role: string) => `s:${storeId}:r:${role}`,
  associate: (storeId: string, associateId: string) => `s:${storeId}:a:${associateId}`,
  visit: (storeId: string, visitId: string) => `s:${storeId}:v:${visitId}`,
};

/** The rooms a socket of this identity joins. */
export function roomsOf(identity: Identity): string[] {
  const { storeId } = identity;
  const joined = [rooms.store(storeId), rooms.role(storeId, identity.role)];
  if (identity.role === "associate" || identity.role === "manager") {
    joined.push(rooms.associate(storeId, identity.associateId));
  }
  if (identity.role === "customer") joined.push(rooms.visit(storeId, identity.visitId));
  return joined;
}
