"""Normal shopping behaviour: browsing sessions, abandoned carts and orders with accessories."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from electroshop.demo import catalog as cat
from electroshop.demo.sampling import norm, sample_weighted_groups
from electroshop.demo.seasons import DAY, HOUR_WEIGHTS

if TYPE_CHECKING:
    from electroshop.demo.generator import HistoryBuilder

EV_VIEW, EV_CLICK, EV_CART, EV_WISHLIST, EV_PURCHASE, EV_SEARCH = range(6)


def browsing_sessions(b: HistoryBuilder, *, target_events: int) -> None:
    """Sessions of customers and anonymous visitors: views, clicks, searches, carts and orders."""
    rng, cal, cust, prod = b.rng, b.cal, b.cust, b.prod
    L = b.n_leaves
    n_sessions = int(target_events / 4.3)
    n_cust_sessions = int(n_sessions * 0.65)
    n_anon = n_sessions - n_cust_sessions
    cum = np.concatenate([[0.0], np.cumsum(cal.intensity)])
    # Customers: Poisson visits proportional to activity and to their time as customers.
    lo = cum[np.clip(cust.created_day, 0, cal.days)]
    span = (cum[-1] - lo) / cum[-1]
    lam = cust.activity * span
    lam *= n_cust_sessions / lam.sum()
    per_customer = rng.poisson(lam)
    c_idx = np.repeat(np.arange(len(lam)), per_customer)
    u = lo[c_idx] + rng.random(len(c_idx)) * (cum[-1] - lo[c_idx])
    c_day = np.searchsorted(cum, u, side="right") - 1
    a_day = np.searchsorted(cum, rng.random(n_anon) * cum[-1], side="right") - 1
    day = np.concatenate([c_day, a_day]).clip(0, cal.days - 1)
    customer = np.concatenate([c_idx, np.full(n_anon, -1)])
    S = len(day)
    # Which leaf each session browses.
    traffic = norm(np.array([s.traffic for s in cat.LEAVES]))
    leaf = np.empty(S, dtype=np.int64)
    nc = len(c_idx)
    cp = np.cumsum(cust.pref[c_idx], axis=1)
    leaf[:nc] = (cp < rng.random(nc)[:, None]).sum(axis=1).clip(0, L - 1)
    leaf[nc:] = rng.choice(L, n_anon, p=traffic)
    # Promotions pull extra visits (e-mail, ads) to the discounted leaf: the visible sales lift.
    promo_share = b.cat_discount[day, leaf] / 100 * 2.5
    landing = np.full(S, -1)
    extra = rng.random(S) < promo_share
    tier = np.where(customer >= 0, cust.tier[np.maximum(customer, 0)], rng.choice(3, S, p=[0.3, 0.5, 0.2]))
    tier = np.where(rng.random(S) < 0.2, rng.integers(0, 3, S), tier)
    fav = np.where(customer >= 0, cust.fav_brand[np.maximum(customer, 0)], -1)
    # Duplicate promo-driven sessions (same customer / anonymous visitor type, promo source).
    dup = np.flatnonzero(extra)
    day = np.concatenate([day, day[dup]])
    customer = np.concatenate([customer, np.where(rng.random(len(dup)) < 0.5, customer[dup], -1)])
    leaf = np.concatenate([leaf, leaf[dup]])
    tier = np.concatenate([tier, tier[dup]])
    fav = np.concatenate([fav, fav[dup]])
    landing = np.concatenate([landing, np.full(len(dup), -1)])
    promo_session = np.concatenate([np.zeros(S, bool), np.ones(len(dup), bool)])
    # Product deals bring sessions landing on the product itself.
    for pi, s, e, pct in b.prod_promos:
        k = rng.poisson(pct / 100 * 6 * (e - s + 1) * (1 + 200 * prod.popularity[pi] / prod.popularity.sum()))
        d = rng.integers(s, e + 1, k)
        who = np.where(rng.random(k) < 0.5, rng.integers(0, len(cust.tier), k), -1)
        who = np.where(cust.created_day[np.maximum(who, 0)] <= d, who, -1)  # only existing customers
        day = np.concatenate([day, d])
        customer = np.concatenate([customer, who])
        leaf = np.concatenate([leaf, np.full(k, prod.leaf[pi])])
        tier = np.concatenate([tier, np.full(k, prod.tier[pi])])
        fav = np.concatenate([fav, np.full(k, -1)])
        landing = np.concatenate([landing, np.full(k, pi)])
        promo_session = np.concatenate([promo_session, np.ones(k, bool)])
    S = len(day)
    start = cal.start_ts + day * DAY + rng.choice(24, S, p=HOUR_WEIGHTS) * 3600 + rng.integers(0, 3600, S)
    logged = customer >= 0
    start = np.where(logged, np.maximum(start, cust.created_ts[np.maximum(customer, 0)] + 60), start)
    device = np.where(logged & (rng.random(S) < 0.8), cust.device[np.maximum(customer, 0)],
                      rng.choice(3, S, p=[0.55, 0.35, 0.10]))
    source = np.where(promo_session, rng.choice([3, 4, 2], S), rng.choice(6, S, p=[0.3, 0.3, 0.15, 0.08, 0.1, 0.07]))
    session = np.arange(b.n_sessions, b.n_sessions + S)
    b.n_sessions += S
    # Views.
    n_views = np.minimum(rng.geometric(0.36, S), 15)
    v_sess = np.repeat(np.arange(S), n_views)
    first_of_session = np.concatenate([[0], np.cumsum(n_views)[:-1]])
    pos = np.arange(len(v_sess)) - first_of_session[v_sess]
    dwell = np.minimum(rng.exponential(45, len(v_sess)), 900).round(1)
    gap = dwell + rng.integers(5, 60, len(v_sess))
    csum = np.cumsum(gap)
    offs = csum - (csum - gap)[first_of_session][v_sess]
    v_ts = start[v_sess] + 30 + offs.astype(np.int64)
    v_prod = b.sample_products(leaf[v_sess], tier[v_sess], fav[v_sess], v_ts)
    lands = (pos == 0) & (landing[v_sess] >= 0)
    v_prod[lands] = landing[v_sess][lands]
    v_cust, v_session, v_dev, v_src = customer[v_sess], session[v_sess], device[v_sess], source[v_sess]
    b.add_events(ts=v_ts, etype=EV_VIEW, customer=v_cust, session=v_session, product=v_prod, device=v_dev,
                    source=v_src, dwell=dwell)
    click = rng.random(len(v_sess)) < 0.25
    b.add_events(ts=v_ts[click] - 2, etype=EV_CLICK, customer=v_cust[click], session=v_session[click],
                    product=v_prod[click], device=v_dev[click], source=v_src[click])
    wish = logged[v_sess] & (rng.random(len(v_sess)) < 0.02)
    b.add_events(ts=v_ts[wish] + 5, etype=EV_WISHLIST, customer=v_cust[wish], session=v_session[wish],
                    product=v_prod[wish], device=v_dev[wish], source=v_src[wish])
    # Searches start some sessions.
    srch = np.flatnonzero(rng.random(S) < 0.25)
    bnames = sorted({b for spec in cat.LEAVES for b in spec.brands})
    nouns = [s.noun for s in cat.LEAVES]
    with_brand = rng.random(len(srch)) < 0.4
    q = [f"{bnames[fav[i]].lower()} {nouns[leaf[i]]}" if wb and fav[i] >= 0 else nouns[leaf[i]]
         for i, wb in zip(srch.tolist(), with_brand.tolist())]
    b.add_events(ts=start[srch] + 10, etype=EV_SEARCH, customer=customer[srch], session=session[srch],
                    product=-1, device=device[srch], source=source[srch], query=q)
    # Conversion: the last viewed product is bought.
    last_view = first_of_session + n_views - 1
    last_prod, last_ts = v_prod[last_view], v_ts[last_view]
    disc = b.discount(last_prod, last_ts)
    p_buy = np.where(logged, 0.13, 0.045) * cal.conversion_boost[day] * (1 + disc / 100 * 3)
    p_buy *= np.where(prod.price[last_prod] > 150_000, 0.6, 1.0)
    buy = rng.random(S) < p_buy
    # Abandoned carts; a quarter of logged-in abandoners come back days later and buy.
    cart_only = ~buy & (rng.random(S) < 0.12)
    b_idx = np.flatnonzero(buy)
    b.add_events(ts=last_ts[b_idx] + 20, etype=EV_CART, customer=customer[b_idx], session=session[b_idx],
                    product=last_prod[b_idx], device=device[b_idx], source=source[b_idx])
    ab = np.flatnonzero(cart_only)
    ab_pick = first_of_session[ab] + (rng.random(len(ab)) * n_views[ab]).astype(np.int64)
    b.add_events(ts=v_ts[ab_pick] + 15, etype=EV_CART, customer=customer[ab], session=session[ab],
                    product=v_prod[ab_pick], device=device[ab], source=source[ab])
    back = ab[(customer[ab] >= 0) & (rng.random(len(ab)) < 0.25)]
    back_prod = v_prod[ab_pick][np.isin(ab, back)]
    back_ts = start[back] + rng.integers(1, 6, len(back)) * DAY + rng.integers(-3 * 3600, 3 * 3600, len(back))
    keep = back_ts < b.end_ts - 600
    back, back_prod, back_ts = back[keep], back_prod[keep], back_ts[keep]
    back_session = np.arange(b.n_sessions, b.n_sessions + len(back))
    b.n_sessions += len(back)
    for k, (et, dts) in enumerate(((EV_VIEW, 0), (EV_CART, 40))):
        b.add_events(ts=back_ts + dts, etype=et, customer=customer[back], session=back_session,
                        product=back_prod, device=device[back], source=0,
                        dwell=rng.exponential(60, len(back)).round(1) if et == EV_VIEW else None)
    # Orders: the main item plus accessories that go with devices.
    o_ts = np.concatenate([last_ts[b_idx] + 90, back_ts + 120])
    o_cust = np.concatenate([customer[b_idx], customer[back]])
    o_sess = np.concatenate([session[b_idx], back_session])
    o_dev = np.concatenate([device[b_idx], device[back]])
    o_main = np.concatenate([last_prod[b_idx], back_prod])
    o_ts = np.minimum(o_ts, b.end_ts - 1)
    n_o = len(o_ts)
    main_leaf = prod.leaf[o_main]
    is_dev = np.array([s.is_device for s in cat.LEAVES])[main_leaf]
    qty_main = np.where(is_dev, np.where(rng.random(n_o) < 0.04, 2, 1), rng.integers(1, 4, n_o))
    items = [(np.arange(n_o), o_main, qty_main)]
    items += _basket_accessories(b, o_ts=o_ts, o_cust=o_cust, o_sess=o_sess, o_dev=o_dev, o_main=o_main)
    b.add_orders(ts=o_ts, customer=o_cust, session=o_sess, device=o_dev, items=items)
    _accessory_sessions(b, o_ts=o_ts, o_cust=o_cust, o_dev=o_dev, o_main=o_main)


def _fitting(b: HistoryBuilder, group: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """One accessory of each fitting group (popular ones more often); -1 where it had not launched by ``ts``."""
    acc = sample_weighted_groups(b.rng, group, b.prod.fit_groups)
    return np.where(b.prod.launch_ts[acc] <= ts, acc, -1)


def _basket_accessories(b: HistoryBuilder, *, o_ts: np.ndarray, o_cust: np.ndarray, o_sess: np.ndarray,
                        o_dev: np.ndarray, o_main: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Accessories that fit the order's device, added to its basket after comparing a few; order lines."""
    rng, prod = b.rng, b.prod
    main_leaf = prod.leaf[o_main]
    o_day = np.clip((o_ts - b.cal.start_ts) // DAY, 0, b.cal.days - 1)
    items = []
    for dev_path, accs in cat.ACCESSORIES_FOR.items():
        for acc_path, p in accs:
            ali = cat.LEAF_INDEX[acc_path]
            fit = prod.fit_group[o_main, ali]  # the accessories of this leaf that fit the device
            # An accessory sale (e.g. the September cases event) makes shoppers add one more often.
            lift = 1 + 3 * b.cat_discount[o_day, ali] / 100
            chosen = rng.random(len(o_ts)) < p * lift
            off = np.flatnonzero((main_leaf == cat.LEAF_INDEX[dev_path]) & (fit >= 0) & chosen)
            acc = _fitting(b, fit[off], o_ts[off])
            off, acc = off[acc >= 0], acc[acc >= 0]
            acc_qty = np.where(acc_path == "Accessories/Cables", rng.integers(1, 3, len(off)), 1)
            items.append((off, acc, acc_qty))
            # Shoppers compare up to three fitting alternatives before choosing.
            for k, p_compare in enumerate((0.8, 0.5, 0.25)):
                alt = _fitting(b, fit[off], o_ts[off])
                m = (alt >= 0) & (alt != acc) & (rng.random(len(off)) < p_compare)
                b.add_events(ts=o_ts[off][m] - 150 + 25 * k, etype=EV_VIEW, customer=o_cust[off][m],
                             session=o_sess[off][m], product=alt[m], device=o_dev[off][m], source=0,
                             dwell=rng.exponential(25, int(m.sum())).round(1))
            b.add_events(ts=o_ts[off] - 50, etype=EV_VIEW, customer=o_cust[off], session=o_sess[off],
                         product=acc, device=o_dev[off], source=0, dwell=rng.exponential(30, len(off)).round(1))
            b.add_events(ts=o_ts[off] - 30, etype=EV_CART, customer=o_cust[off], session=o_sess[off],
                         product=acc, device=o_dev[off], source=0)
    return items


def _accessory_sessions(b: HistoryBuilder, *, o_ts: np.ndarray, o_cust: np.ndarray, o_dev: np.ndarray,
                        o_main: np.ndarray) -> None:
    """A quarter of the customers who bought a device come back within three weeks (often from the
    follow-up e-mail) to look at accessories that fit it: they compare two to five, a third buy one."""
    rng, prod = b.rng, b.prod
    for dev_path, accs in cat.ACCESSORIES_FOR.items():
        rows = np.flatnonzero((prod.leaf[o_main] == cat.LEAF_INDEX[dev_path]) & (o_cust >= 0)
                              & (rng.random(len(o_main)) < 0.25))
        leaf_choice = rng.choice(len(accs), len(rows), p=norm(np.array([p for _, p in accs])))
        for k, (acc_path, _p) in enumerate(accs):
            r = rows[leaf_choice == k]
            fit = prod.fit_group[o_main[r], cat.LEAF_INDEX[acc_path]]
            ts = o_ts[r] + rng.integers(1, 22, len(r)) * DAY + rng.integers(-4 * 3600, 4 * 3600, len(r))
            keep = (fit >= 0) & (ts < b.end_ts - 3600)
            r, fit, ts = r[keep], fit[keep], ts[keep]
            session = np.arange(b.n_sessions, b.n_sessions + len(r))
            b.n_sessions += len(r)
            source = np.where(rng.random(len(r)) < 0.5, 3, 0)  # email, direct
            n_views = rng.integers(2, 6, len(r))
            v_row = np.repeat(np.arange(len(r)), n_views)
            pos = np.arange(len(v_row)) - np.repeat(np.cumsum(n_views) - n_views, n_views)
            v_ts = ts[v_row] + pos * rng.integers(30, 120, len(v_row))
            v_prod = _fitting(b, fit[v_row], v_ts)
            seen = v_prod >= 0
            b.add_events(ts=v_ts[seen], etype=EV_VIEW, customer=o_cust[r][v_row][seen], session=session[v_row][seen],
                         product=v_prod[seen], device=o_dev[r][v_row][seen], source=source[v_row][seen],
                         dwell=rng.exponential(35, int(seen.sum())).round(1))
            last = np.cumsum(n_views) - 1
            buy = (v_prod[last] >= 0) & (rng.random(len(r)) < 0.35)
            bought, b_ts = v_prod[last][buy], v_ts[last][buy] + 40
            b.add_events(ts=b_ts, etype=EV_CART, customer=o_cust[r][buy], session=session[buy], product=bought,
                         device=o_dev[r][buy], source=source[buy])
            b.add_orders(ts=b_ts + 60, customer=o_cust[r][buy], session=session[buy], device=o_dev[r][buy],
                         items=[(np.arange(int(buy.sum())), bought, np.ones(int(buy.sum()), dtype=np.int64))])
