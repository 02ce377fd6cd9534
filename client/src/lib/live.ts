import { type Socket, io } from "socket.io-client";
import { HeldView, follow } from "../../../shared/live-view.js";
import type {
  Ack,
  ClientEvent,
  ClientToServerEvents,
  Payload,
  Reply,
  ServerToClientEvents,
} from "../../../shared/protocol.js";
import type { View } from "../../../shared/views.js";

export type LinkState = "connecting" | "live" | "offline" | "refused";

export interface LiveOptions<V extends View> {
  auth: Record<string, string>;
  onView: (view: V, version: number) => void;
  onState: (state: LinkState, detail?: { code: string; message: string }) => void;
}

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long to wait for an answer before asking again. */
const ACK_TIMEOUT_MS = 8000;

/**
 * A page's live link to the server: connects with the page's credentials, keeps the newest view
 * (`HeldView`: views carry the store's version; an older one is ignored, a gap asks for a full
 * view; plain associates get the shared board and their own part apart), and
 * reports the link's state so the page can say when what it shows is not live.
 */
export class Live<V extends View> {
  readonly socket: AppSocket;
  private readonly held = new HeldView<V>();

  constructor(private readonly options: LiveOptions<V>) {
    this.socket = io({ auth: options.auth, transports: ["websocket", "polling"] });
    options.onState("connecting");
    this.socket.on("connect", () => options.onState("live"));
    this.socket.on("disconnect", () => options.onState("offline"));
    this.socket.on(
      "connect_error",
      (error: Error & { data?: { code: string; message: string } }) => {
        if (error.data?.code === "UNAUTHORIZED") {
          options.onState("refused", error.data);
          this.socket.disconnect();
        } else options.onState("offline");
      },
    );
    follow(this.socket, this.held, options.onView, () =>
      this.socket.emit("view:sync", {}, () => undefined),
    );
    this.socket.on("session:ended", (reason) => {
      options.onState("refused", reason);
      this.socket.disconnect();
    });
  }

  /**
   * Sends an event and resolves with its answer. While the link is down socket.io keeps the
   * event and sends it on reconnect; an answer lost on the way is asked for again with the same
   * payload (same request id), which the server answers from its first result.
   */
  async send<E extends ClientEvent>(event: E, payload: Payload<E>): Promise<Ack<Reply<E>>> {
    const withTimeout = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
      emitWithAck: (event: E, payload: Payload<E>) => Promise<Ack<Reply<E>>>;
    };
    for (;;) {
      try {
        return await withTimeout.emitWithAck(event, payload);
      } catch (error) {
        // Only a timeout (or a drop) is worth asking again; the socket re-sends once reconnected.
        const retry = error instanceof Error && /timed out|disconnected/.test(error.message);
        if (!retry || !this.socket.active) {
          return {
            ok: false,
            error: { code: "UNAVAILABLE", message: "Not connected; nothing was sent." },
          };
        }
      }
    }
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** A request id unique to this device and action. */
export function requestId(prefix: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${random[0]?.toString(36)}${random[1]?.toString(36)}`;
}

/** The page's store id (`?store=`) and secret (`#token=`), from its URL. */
export function pageParams(): { storeId: string; token: string | undefined } {
  const url = new URL(location.href);
  const hash = new URLSearchParams(url.hash.slice(1));
  return {
    storeId: url.searchParams.get("store") ?? "demo",
    token: hash.get("token") ?? undefined,
  };
}
