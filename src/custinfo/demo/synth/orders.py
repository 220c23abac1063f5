"""Synthetic orders with a realistic skew: many one-time buyers, a few regulars.

`order_counts(customers, total, seed)` gives each customer a number of orders: about 35%
never buy, 40% buy once, and the remaining quarter are repeat buyers whose counts follow
a long-tailed (log-normal) distribution, adjusted so the counts sum to exactly `total`.
`orders(...)` then yields the orders customer by customer: a first purchase somewhere in
the period, repeats between it and the end, products from a small shop's catalogue
(prices per product, quantity 1-3), about 2% refunds, six channels (淘宝, 天猫, 有赞, 微信小店,
美团, a shop counter) with order numbers unique per channel. Deterministic for a seed;
only `random.Random`, no float in the amounts (prices are integer fen).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: (product, price in fen)
PRODUCTS: tuple[tuple[str, int], ...] = (
    ("西湖龙井 250g", 29800), ("碧螺春 100g", 12800), ("普洱茶饼 357g", 19900),
    ("铁观音 200g", 15800), ("大红袍 礼盒", 59800), ("白茶 寿眉 300g", 16800),
    ("茉莉花茶 250g", 6800), ("红茶 正山小种", 13800), ("紫砂壶", 45800),
    ("茶具套装", 26800), ("玻璃公道杯", 3900), ("茶叶罐", 2900), ("Gift card 礼品卡", 20000),
    ("Matcha powder 抹茶粉", 8800), ("桂花乌龙 小袋装", 4500), ("菊花茶", 2500),
    ("Oolong sampler 试饮装", 9900), ("年货礼盒", 88800), ("会员年费", 19900), ("茶点 拼盘", 3800),
)  # fmt: skip
_PRODUCT_WEIGHTS = (14, 10, 8, 9, 3, 6, 10, 7, 2, 3, 6, 5, 2, 4, 8, 8, 3, 1, 1, 6)
#: (channel, share, order-number prefix)
CHANNELS: tuple[tuple[str, int, str], ...] = (
    ("淘宝", 35, "TB"), ("天猫", 15, "TM"), ("有赞", 10, "YZ"), ("微信小店", 15, "WX"),
    ("美团", 10, "MT"), ("门店", 15, "POS"),
)  # fmt: skip
NEVER, ONCE = 0.35, 0.40  # shares of customers with no order and with one
REFUND_SHARE = 0.02
END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # local midnight in China, 2026-12-01
YEARS = 3


@dataclass(slots=True)
class SynthOrder:
    customer: int  # index of the customer (0-based, in the order the caller has them)
    at: str  # stored UTC text
    amount: int  # fen; negative: a refund
    currency: str
    items: str
    channel: str
    ref: str


def order_counts(customers: int, total: int, *, seed: int = 0) -> list[int]:
    """Orders per customer (see the module docstring); sums to exactly `total`."""
    r = random.Random(seed)
    counts = []
    repeaters = []
    for index in range(customers):
        x = r.random()
        if x < NEVER:
            counts.append(0)
        elif x < NEVER + ONCE:
            counts.append(1)
        else:
            counts.append(2 + min(int(r.lognormvariate(2.0, 1.2)), 2000))
            repeaters.append(index)
    if not repeaters:
        repeaters = list(range(customers))
    diff = total - sum(counts)
    while diff > 0 and repeaters:  # spread the difference over the repeat buyers
        index = repeaters[r.randrange(len(repeaters))]
        step = min(diff, 1 + counts[index] // 4)
        counts[index] += step
        diff -= step
    while diff < 0:
        pool = [i for i in repeaters if counts[i] > 2] or [i for i, c in enumerate(counts) if c]
        if not pool:
            break
        index = pool[r.randrange(len(pool))]
        step = min(-diff, counts[index] - (2 if counts[index] > 2 else 0))
        counts[index] -= step
        diff += step
    return counts


def orders(
    customers: int, total: int, *, seed: int = 0, end: datetime = END, years: int = YEARS
) -> Iterator[SynthOrder]:
    """`total` orders of `customers` customers, customer by customer, each in time order."""
    r = random.Random(seed + 1)
    counts = order_counts(customers, total, seed=seed)
    span = int(timedelta(days=365 * years).total_seconds())
    start = (end - timedelta(seconds=span)).astimezone(UTC).replace(tzinfo=None)
    names = [c[0] for c in CHANNELS]
    shares = [c[1] for c in CHANNELS]
    prefixes = {c[0]: c[2] for c in CHANNELS}
    numbers = dict.fromkeys(names, 0)
    cum_products = _cumulative(_PRODUCT_WEIGHTS)
    for customer, n in enumerate(counts):
        if not n:
            continue
        # Later customers are more likely (a growing shop): sqrt skews toward the end.
        first = int(span * math.sqrt(r.random()))
        home = r.choices(names, shares)[0]  # most buyers stick to one channel
        times = sorted([first, *(r.randrange(first, span + 1) for _ in range(n - 1))])
        for offset in times:
            channel = home if r.random() < 0.8 else r.choices(names, shares)[0]
            numbers[channel] += 1
            ref = f"{prefixes[channel]}{numbers[channel]:012d}"
            product, price = PRODUCTS[r.choices(range(len(PRODUCTS)), cum_weights=cum_products)[0]]
            quantity = 1 if r.random() < 0.8 else r.choice((2, 2, 3))
            amount, items = price * quantity, product if quantity == 1 else f"{product} ×{quantity}"
            if r.random() < REFUND_SHARE:
                amount, items = -price, f"退款 {product}"
            at = start + timedelta(seconds=offset, microseconds=r.randrange(1_000_000))
            stamp = at.isoformat(timespec="microseconds") + "Z"  # naive UTC
            yield SynthOrder(customer, stamp, amount, "CNY", items, channel, ref)


def _cumulative(weights: tuple[int, ...]) -> list[int]:
    out, running = [], 0
    for w in weights:
        running += w
        out.append(running)
    return out
