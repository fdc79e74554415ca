/* The funnel module (order 20, after clients): schema and routes of leads, pipelines and
 * their stages, deals with co-owners, contacts, checklists, line items, offers and
 * payments, products, the stage history and the kanban board.
 *
 * Schema in one picture (every table with id, version, created_at, updated_at, created_by
 * unless noted):
 *
 *   pipelines(name, goals, owner_id, indicators JSON, currency, position, deleted_at)
 *   stages(pipeline_id, position, name, probability 0..100, kind open|won|lost,
 *          checklist JSON [text], required_fields JSON [deal field], role_id,
 *          time_limit_days)                      -- hard-deleted after moving their deals
 *   deals(title, amount minor units | NULL, currency, pipeline_id, stage_id,
 *         status = kind of the stage, owner_id, company_id, lead_id, expected_close,
 *         source, lost_reason, tags JSON, stage_entered_at, stuck_at (entered + the stage's
 *         time limit), closed_at, custom, deleted_at)
 *   deal_owners(deal_id, user_id, is_primary)    -- the owner (kept by triggers) and the
 *                                                   co-owners: the scope predicate reads
 *                                                   only this table
 *   deal_contacts(deal_id, contact_id, role)     -- contacts with their role in the deal
 *   deal_checklist(deal_id, stage_id, item, user_id, done_at)  -- checklist items done
 *   stage_history(deal_id, pipeline_id, from_stage_id, to_stage_id, user_id, at,
 *                 seconds)                       -- append-only; seconds spent in `from`
 *   stage_totals(stage_id, currency, count, amount) -- live deals per stage, kept by
 *                                                   triggers so the unfiltered board
 *                                                   costs no scan
 *   owner_totals(user_id, stage_id, currency, count, amount) -- the same per owner
 *   deal_shares(deal_id, user_id, owner_id, stage_id, currency, amount, live) -- the
 *                                                   co-owner rows of deal_owners with
 *                                                   their deal's board columns (triggers):
 *                                                   with owner_totals, a manager's board
 *                                                   costs no scan of the team's deals
 *   deal_items(deal_id, product_id, name, sku, unit, quantity, price, discount %, total)
 *   deal_offers(deal_id, at, user_id, amount, currency, items JSON) -- append-only
 *                                                   snapshot after every line-item change
 *   deal_payments(deal_id, kind planned|received, amount, currency, due_date, paid_at, note)
 *   products(sku, name, unit, price, currency, category, subcategory, active,
 *            description, custom, deleted_at)
 *   leads(channel, source, campaign, name, phone, phone_e164, email, company_name,
 *         message, payload JSON, status new|qualified|disqualified, reason, owner_id,
 *         contact_id, company_id, deal_id, closed_at, custom, deleted_at)
 *   deals_fts, products_fts, leads_fts           -- folded search keys (util/fold.h)
 *
 * Indexes that carry the hot paths: the board reads deals_board (pipeline_id, stage_id,
 * id, ...: id order = the default "-id" sort) and stage_totals, a manager's board
 * owner_totals, deals_owner_stage and deal_shares_board; the list filtered by
 * owner and stage reads deals_owner_stage (owner_id, stage_id, id, ...); the columns after
 * id let a filtered board count and sum from the index alone; the `own`/`team` scope
 * drives from deal_owners_user; flag=stuck reads deals_stuck.
 * Contacts and companies belong to the clients module; they are referred to by id
 * without foreign keys so this schema does not depend on their table layout. */
#include "core/module.h"
#include "domain/deal.h"
#include "domain/lead.h"
#include "domain/pipeline.h"
#include "domain/product.h"
#include <stddef.h>

#define TS "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
#define COMMON "version INTEGER NOT NULL DEFAULT 1, created_by INTEGER, created_at " TS ", updated_at " TS

static const char *const steps[] = {
    /* 1: pipelines and stages, with the ready-made sales pipeline */
    "CREATE TABLE pipelines(id INTEGER PRIMARY KEY, name TEXT NOT NULL, goals TEXT,"
    " owner_id INTEGER REFERENCES users(id), indicators TEXT, currency TEXT NOT NULL DEFAULT 'EUR',"
    " position INTEGER NOT NULL DEFAULT 0, " COMMON ", deleted_at TEXT);"
    "CREATE TABLE stages(id INTEGER PRIMARY KEY, pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),"
    " position INTEGER NOT NULL, name TEXT NOT NULL, probability INTEGER NOT NULL DEFAULT 0,"
    " kind TEXT NOT NULL DEFAULT 'open', checklist TEXT, required_fields TEXT,"
    " role_id INTEGER REFERENCES roles(id) ON DELETE SET NULL, time_limit_days INTEGER, " COMMON ");"
    "CREATE INDEX stages_pipeline ON stages(pipeline_id, position);"
    "INSERT INTO pipelines(name, goals, currency, position) VALUES('Sales',"
    " 'turn qualified requests into paid orders', 'EUR', 1);"
    "INSERT INTO stages(pipeline_id, position, name, probability, kind) VALUES"
    " (1, 1, 'New', 10, 'open'), (1, 2, 'Qualified', 25, 'open'), (1, 3, 'Proposal', 50, 'open'),"
    " (1, 4, 'Negotiation', 75, 'open'), (1, 5, 'Won', 100, 'won'), (1, 6, 'Lost', 0, 'lost');",

    /* 2: deals and what hangs off them */
    "CREATE TABLE deals(id INTEGER PRIMARY KEY, title TEXT NOT NULL, amount INTEGER, currency TEXT NOT NULL,"
    " pipeline_id INTEGER NOT NULL REFERENCES pipelines(id), stage_id INTEGER NOT NULL REFERENCES stages(id),"
    " status TEXT NOT NULL DEFAULT 'open', owner_id INTEGER REFERENCES users(id), company_id INTEGER,"
    " lead_id INTEGER, expected_close TEXT, source TEXT, lost_reason TEXT, tags TEXT,"
    " stage_entered_at TEXT NOT NULL, closed_at TEXT, custom TEXT, " COMMON ", deleted_at TEXT);"
    "CREATE INDEX deals_board ON deals(pipeline_id, stage_id) WHERE deleted_at IS NULL;"
    "CREATE INDEX deals_owner_stage ON deals(owner_id, stage_id) WHERE deleted_at IS NULL;"
    "CREATE INDEX deals_company ON deals(company_id, created_at) WHERE company_id IS NOT NULL;"
    "CREATE INDEX deals_lead ON deals(lead_id) WHERE lead_id IS NOT NULL;"
    "CREATE TABLE deal_owners(deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " user_id INTEGER NOT NULL, is_primary INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(deal_id, user_id)) WITHOUT ROWID;"
    "CREATE INDEX deal_owners_user ON deal_owners(user_id, deal_id);"
    "CREATE TRIGGER deals_owner_ins AFTER INSERT ON deals WHEN NEW.owner_id IS NOT NULL BEGIN"
    " INSERT INTO deal_owners(deal_id, user_id, is_primary) VALUES(NEW.id, NEW.owner_id, 1)"
    " ON CONFLICT(deal_id, user_id) DO UPDATE SET is_primary = 1; END;"
    "CREATE TRIGGER deals_owner_upd AFTER UPDATE OF owner_id ON deals BEGIN"
    " DELETE FROM deal_owners WHERE deal_id = NEW.id AND is_primary = 1;"
    " INSERT INTO deal_owners(deal_id, user_id, is_primary) SELECT NEW.id, NEW.owner_id, 1 WHERE NEW.owner_id IS NOT NULL"
    " ON CONFLICT(deal_id, user_id) DO UPDATE SET is_primary = 1; END;"
    "CREATE TABLE deal_contacts(deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " contact_id INTEGER NOT NULL, role TEXT, PRIMARY KEY(deal_id, contact_id)) WITHOUT ROWID;"
    "CREATE INDEX deal_contacts_contact ON deal_contacts(contact_id, deal_id);"
    "CREATE TABLE deal_checklist(deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " stage_id INTEGER NOT NULL, item TEXT NOT NULL, user_id INTEGER, done_at " TS ","
    " PRIMARY KEY(deal_id, stage_id, item)) WITHOUT ROWID;"
    "CREATE TABLE stage_history(id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL, pipeline_id INTEGER NOT NULL,"
    " from_stage_id INTEGER, to_stage_id INTEGER NOT NULL, user_id INTEGER, at " TS ", seconds INTEGER);"
    "CREATE INDEX stage_history_deal ON stage_history(deal_id, at);"
    "CREATE INDEX stage_history_pipeline ON stage_history(pipeline_id, at);"
    "CREATE TABLE stage_totals(stage_id INTEGER NOT NULL, currency TEXT NOT NULL, count INTEGER NOT NULL,"
    " amount INTEGER NOT NULL, PRIMARY KEY(stage_id, currency)) WITHOUT ROWID;"
    "CREATE TRIGGER deals_totals_ins AFTER INSERT ON deals WHEN NEW.deleted_at IS NULL BEGIN"
    " INSERT INTO stage_totals(stage_id, currency, count, amount) VALUES(NEW.stage_id, NEW.currency, 1, coalesce(NEW.amount, 0))"
    " ON CONFLICT(stage_id, currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount; END;"
    "CREATE TRIGGER deals_totals_upd AFTER UPDATE OF stage_id, currency, amount, deleted_at ON deals BEGIN"
    " UPDATE stage_totals SET count = count - 1, amount = amount - coalesce(OLD.amount, 0)"
    "  WHERE OLD.deleted_at IS NULL AND stage_id = OLD.stage_id AND currency = OLD.currency;"
    " INSERT INTO stage_totals(stage_id, currency, count, amount)"
    "  SELECT NEW.stage_id, NEW.currency, 1, coalesce(NEW.amount, 0) WHERE NEW.deleted_at IS NULL"
    "  ON CONFLICT(stage_id, currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount; END;"
    "CREATE TRIGGER deals_totals_del AFTER DELETE ON deals WHEN OLD.deleted_at IS NULL BEGIN"
    " UPDATE stage_totals SET count = count - 1, amount = amount - coalesce(OLD.amount, 0)"
    "  WHERE stage_id = OLD.stage_id AND currency = OLD.currency; END;"
    "CREATE VIRTUAL TABLE deals_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2');",

    /* 3: products, line items, offers, payments */
    "CREATE TABLE products(id INTEGER PRIMARY KEY, sku TEXT, name TEXT NOT NULL, unit TEXT, price INTEGER,"
    " currency TEXT NOT NULL, category TEXT, subcategory TEXT, active INTEGER NOT NULL DEFAULT 1, description TEXT,"
    " custom TEXT, " COMMON ", deleted_at TEXT);"
    "CREATE UNIQUE INDEX products_sku ON products(sku) WHERE sku IS NOT NULL AND deleted_at IS NULL;"
    "CREATE INDEX products_category ON products(category, subcategory);"
    "CREATE VIRTUAL TABLE products_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2');"
    "CREATE TABLE deal_items(id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " product_id INTEGER REFERENCES products(id), name TEXT NOT NULL, sku TEXT, unit TEXT, quantity REAL NOT NULL,"
    " price INTEGER NOT NULL, discount REAL NOT NULL DEFAULT 0, total INTEGER NOT NULL, position INTEGER NOT NULL DEFAULT 0,"
    " " COMMON ");"
    "CREATE INDEX deal_items_deal ON deal_items(deal_id, position);"
    "CREATE INDEX deal_items_product ON deal_items(product_id);"
    "CREATE TABLE deal_offers(id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " at " TS ", user_id INTEGER, amount INTEGER NOT NULL, currency TEXT NOT NULL, items TEXT NOT NULL);"
    "CREATE INDEX deal_offers_deal ON deal_offers(deal_id, at);"
    "CREATE TABLE deal_payments(id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL, due_date TEXT, paid_at TEXT, note TEXT,"
    " " COMMON ");"
    "CREATE INDEX deal_payments_deal ON deal_payments(deal_id, kind);",

    /* 4: the leads inbox */
    "CREATE TABLE leads(id INTEGER PRIMARY KEY, channel TEXT NOT NULL, source TEXT, campaign TEXT, name TEXT,"
    " phone TEXT, phone_e164 TEXT, email TEXT COLLATE NOCASE, company_name TEXT, message TEXT, payload TEXT,"
    " status TEXT NOT NULL DEFAULT 'new', reason TEXT, owner_id INTEGER REFERENCES users(id),"
    " contact_id INTEGER, company_id INTEGER, deal_id INTEGER REFERENCES deals(id), closed_at TEXT,"
    " custom TEXT, " COMMON ", deleted_at TEXT);"
    "CREATE INDEX leads_status ON leads(status) WHERE deleted_at IS NULL;"
    "CREATE INDEX leads_owner ON leads(owner_id, status) WHERE deleted_at IS NULL;"
    "CREATE INDEX leads_contact ON leads(contact_id, created_at) WHERE contact_id IS NOT NULL;"
    "CREATE INDEX leads_company ON leads(company_id, created_at) WHERE company_id IS NOT NULL;"
    "CREATE INDEX leads_phone ON leads(phone_e164) WHERE phone_e164 IS NOT NULL;"
    "CREATE INDEX leads_email ON leads(email) WHERE email IS NOT NULL;"
    "CREATE VIRTUAL TABLE leads_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2');",

    /* 5: when an open deal becomes stuck (entered + the stage's time limit), so the
     * stuck list is an index range instead of a scan of every deal */
    "ALTER TABLE deals ADD COLUMN stuck_at TEXT;"
    "UPDATE deals SET stuck_at = (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', deals.stage_entered_at, '+' || s.time_limit_days || ' days')"
    " FROM stages s WHERE s.id = deals.stage_id);"
    "CREATE INDEX deals_stuck ON deals(stuck_at) WHERE deleted_at IS NULL AND status = 'open' AND stuck_at IS NOT NULL;",

    /* 6: the board and owner indexes carry currency, amount and owner after the id: still
     * in id order within a stage (pages), and the totals of a filtered board (by owner,
     * currency, amount) are counted from the index without reading the deals */
    "DROP INDEX deals_board;"
    "CREATE INDEX deals_board ON deals(pipeline_id, stage_id, id, currency, amount, owner_id) WHERE deleted_at IS NULL;"
    "DROP INDEX deals_owner_stage;"
    "CREATE INDEX deals_owner_stage ON deals(owner_id, stage_id, id, pipeline_id, currency, amount) WHERE deleted_at IS NULL;",

    /* 7: the board of a manager (scope own/team) without reading the team's deals.
     * owner_totals: live deals per owner (deals.owner_id, the primary row of deal_owners),
     * stage and currency, kept like stage_totals. deal_shares: the co-owner rows of
     * deal_owners (is_primary = 0) with the board columns of their deal copied, kept by
     * triggers on both tables. The deals a set of users U may see are those owned by
     * someone in U plus those shared with someone in U but owned outside it, each deal
     * once: board.c sums owner_totals over U and adds the distinct shared deals of the
     * second kind (read through deal_shares_board); each stage's first page merges the top
     * of deals_owner_stage for U with the newest of those shared deals. Both tables are
     * filled from the rows there are. */
    "CREATE TABLE owner_totals(user_id INTEGER NOT NULL, stage_id INTEGER NOT NULL, currency TEXT NOT NULL,"
    " count INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY(user_id, stage_id, currency)) WITHOUT ROWID;"
    "INSERT INTO owner_totals(user_id, stage_id, currency, count, amount) SELECT owner_id, stage_id, currency, count(*),"
    " coalesce(sum(amount), 0) FROM deals WHERE deleted_at IS NULL AND owner_id IS NOT NULL GROUP BY owner_id, stage_id, currency;"
    "CREATE TRIGGER deals_owner_totals_ins AFTER INSERT ON deals WHEN NEW.deleted_at IS NULL AND NEW.owner_id IS NOT NULL BEGIN"
    " INSERT INTO owner_totals(user_id, stage_id, currency, count, amount)"
    "  VALUES(NEW.owner_id, NEW.stage_id, NEW.currency, 1, coalesce(NEW.amount, 0))"
    " ON CONFLICT(user_id, stage_id, currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount; END;"
    "CREATE TRIGGER deals_owner_totals_upd AFTER UPDATE OF owner_id, stage_id, currency, amount, deleted_at ON deals BEGIN"
    " UPDATE owner_totals SET count = count - 1, amount = amount - coalesce(OLD.amount, 0)"
    "  WHERE OLD.deleted_at IS NULL AND user_id = OLD.owner_id AND stage_id = OLD.stage_id AND currency = OLD.currency;"
    " INSERT INTO owner_totals(user_id, stage_id, currency, count, amount)"
    "  SELECT NEW.owner_id, NEW.stage_id, NEW.currency, 1, coalesce(NEW.amount, 0)"
    "  WHERE NEW.deleted_at IS NULL AND NEW.owner_id IS NOT NULL"
    "  ON CONFLICT(user_id, stage_id, currency) DO UPDATE SET count = count + 1, amount = amount + excluded.amount; END;"
    "CREATE TRIGGER deals_owner_totals_del AFTER DELETE ON deals WHEN OLD.deleted_at IS NULL BEGIN"
    " UPDATE owner_totals SET count = count - 1, amount = amount - coalesce(OLD.amount, 0)"
    "  WHERE user_id = OLD.owner_id AND stage_id = OLD.stage_id AND currency = OLD.currency; END;"
    "CREATE TABLE deal_shares(deal_id INTEGER NOT NULL, user_id INTEGER NOT NULL, owner_id INTEGER,"
    " stage_id INTEGER NOT NULL, currency TEXT NOT NULL, amount INTEGER, live INTEGER NOT NULL,"
    " PRIMARY KEY(deal_id, user_id)) WITHOUT ROWID;"
    "INSERT INTO deal_shares(deal_id, user_id, owner_id, stage_id, currency, amount, live)"
    " SELECT o.deal_id, o.user_id, d.owner_id, d.stage_id, d.currency, d.amount, d.deleted_at IS NULL"
    " FROM deal_owners o JOIN deals d ON d.id = o.deal_id WHERE o.is_primary = 0;"
    /* `live` among the columns too: SQLite reads an index alone only when it holds every
     * column the query names, the partial index's own condition included */
    "CREATE INDEX deal_shares_board ON deal_shares(user_id, stage_id, deal_id, owner_id, currency, amount, live) WHERE live;"
    "CREATE TRIGGER deal_owners_share_ins AFTER INSERT ON deal_owners WHEN NEW.is_primary = 0 BEGIN"
    " INSERT INTO deal_shares(deal_id, user_id, owner_id, stage_id, currency, amount, live)"
    "  SELECT NEW.deal_id, NEW.user_id, d.owner_id, d.stage_id, d.currency, d.amount, d.deleted_at IS NULL"
    "  FROM deals d WHERE d.id = NEW.deal_id; END;"
    "CREATE TRIGGER deal_owners_share_del AFTER DELETE ON deal_owners WHEN OLD.is_primary = 0 BEGIN"
    " DELETE FROM deal_shares WHERE deal_id = OLD.deal_id AND user_id = OLD.user_id; END;"
    /* a co-owner who becomes the owner (deals_owner_upd's upsert) stops being a share */
    "CREATE TRIGGER deal_owners_share_upd AFTER UPDATE ON deal_owners BEGIN"
    " DELETE FROM deal_shares WHERE OLD.is_primary = 0 AND deal_id = OLD.deal_id AND user_id = OLD.user_id;"
    " INSERT INTO deal_shares(deal_id, user_id, owner_id, stage_id, currency, amount, live)"
    "  SELECT NEW.deal_id, NEW.user_id, d.owner_id, d.stage_id, d.currency, d.amount, d.deleted_at IS NULL"
    "  FROM deals d WHERE d.id = NEW.deal_id AND NEW.is_primary = 0; END;"
    "CREATE TRIGGER deals_shares_upd AFTER UPDATE OF owner_id, stage_id, currency, amount, deleted_at ON deals BEGIN"
    " UPDATE deal_shares SET owner_id = NEW.owner_id, stage_id = NEW.stage_id, currency = NEW.currency,"
    "  amount = NEW.amount, live = NEW.deleted_at IS NULL WHERE deal_id = NEW.id; END;",
    NULL,
};

static void funnel_routes(void)
{
    pipeline_routes();
    deal_routes();
    product_routes();
    lead_routes();
    board_routes();
}

static module funnel = {.name = "funnel", .order = 20, .schema = steps, .routes = funnel_routes};
MODULE_REGISTER(funnel)
