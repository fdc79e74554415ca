/* auth_gate: who is calling. Bearer API tokens first, then the session cookie; writes
 * authenticated by cookie must carry the session's CSRF token in X-CSRF-Token. Fills
 * r->user; returns 0, or the status of the problem it already answered. */
#ifndef KT_AUTH_GATE_H
#define KT_AUTH_GATE_H
#include "http/req.h"
#define SESSION_COOKIE "kt_session"
int auth_gate(req *r);
#endif
