/* lead: an inbound request not yet qualified, from any channel (call, web form, email,
 * messenger, import, API), kept with its source, campaign, raw payload and the contact
 * data it carried.
 *
 * On arrival a lead is matched against the client base by phone (E.164, the caller-ID
 * index) and email: a lead from a known client is linked to that contact (and its first
 * company) or company and routed to the card's owner, unless the body names an owner.
 * POST /api/v1/leads/{id}/qualify creates or links the contact and the company and
 * creates a deal, in one transaction; POST /api/v1/leads/{id}/disqualify keeps the lead
 * with a reason. Either way the lead stays (status qualified / disqualified). The creator
 * of a lead keeps sight of it after it is routed to someone else. */
#ifndef KT_LEAD_H
#define KT_LEAD_H
#include "domain/resource.h"

extern const resource lead_resource;
void lead_routes(void);
#endif
