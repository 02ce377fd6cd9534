import type { AssociateView } from "../../../shared/views.js";
import { startStaffPage } from "../lib/staff.js";
import "../lib/styles.css";
import "./staff.css";

/** The associate tablet: PIN sign-in, presence, offers with a countdown, serving, the line. */
startStaffPage<AssociateView>({ sessionKey: "undivided.tablet.session", requireManager: false });
