"""What the demo's passengers write, in Spanish and English.

Composed from a few sentences per theme with fillers (minutes, places, words
for a bag), so the demo holds thousands of distinct comments whose key words
recur where the airline has its problems: lost, late and damaged bags at
baggage claim; a kiosk that fails and its queues at check-in. Satisfied
passengers praise, others complain about what their touchpoint is about, and
a share leave no comment, as in real surveys.
"""

from __future__ import annotations

import random

# Share of ratings with no comment at all.
SILENT = 0.42

_BAG_EN = ["bag", "suitcase", "luggage"]
_BAG_ES = ["maleta", "equipaje"]

# theme → (English complaints, Spanish complaints); {m} minutes, {bag} a word for a bag.
COMPLAINTS: dict[str, tuple[list[str], list[str]]] = {
    "baggage": ([
        "Waited {m} minutes at the carousel and my {bag} never came.",
        "My {bag} was lost and nobody could tell me where it was.",
        "Lost {bag} again, {m} minutes waiting at the desk.",
        "The {bag} arrived damaged, the handle broken.",
        "{m} minutes waiting for the bags, no information at all.",
        "They lost my {bag} on a direct flight.",
    ], [
        "Esperé {m} minutos en la cinta y mi {bag} no salió.",
        "Perdieron mi {bag} y nadie sabía dónde estaba.",
        "Mi maleta llegó rota y nadie me atendió.",
        "Más de {m} minutos esperando el equipaje.",
        "Equipaje perdido otra vez, una hora esperando en el mostrador.",
        "La maleta salió mojada y con la rueda rota.",
    ]),
    "kiosk": ([
        "The kiosk would not read my passport.",
        "Kiosk froze twice, then the queue for the desk took {m} minutes.",
        "Long queue at the kiosks and half of them out of order.",
        "The kiosk could not print my boarding pass.",
        "Kiosk broken, nobody around to help.",
    ], [
        "El quiosco no leía mi pasaporte.",
        "El quiosco se bloqueó y la cola duró {m} minutos.",
        "Colas enormes en los quioscos, la mitad no funcionaban.",
        "El quiosco no imprimía la tarjeta de embarque.",
        "Quiosco estropeado y nadie para ayudar.",
    ]),
    "phone": ([
        "On hold for {m} minutes before anyone answered.",
        "Transferred three times and the problem is still open.",
        "The agent could not solve it and promised a call back that never came.",
    ], [
        "{m} minutos en espera antes de que alguien contestara.",
        "Me pasaron de un agente a otro y sigo sin solución.",
        "Prometieron llamarme y nunca lo hicieron.",
    ]),
    "web": ([
        "The payment page failed twice.",
        "Checkout error after entering my card, had to start again.",
        "The app crashed while choosing seats.",
        "Prices changed at the last step.",
    ], [
        "La página de pago falló dos veces.",
        "Error al pagar con la tarjeta, tuve que empezar de nuevo.",
        "La aplicación se cerró al elegir asiento.",
        "El precio cambió en el último paso.",
    ]),
    "boarding": ([
        "Boarding was chaos, no groups called.",
        "Gate changed with no announcement, we ran.",
        "{m} minutes standing in the jet bridge.",
    ], [
        "El embarque fue un caos, sin orden de grupos.",
        "Cambiaron la puerta sin avisar.",
        "{m} minutos de pie en la pasarela.",
    ]),
    "cabin": ([
        "Seat would not recline and the legroom is tiny.",
        "Wi-Fi did not work the whole flight.",
        "Crew was rude when I asked for water.",
        "The cabin was dirty and too cold.",
    ], [
        "El asiento no se reclinaba y no hay espacio para las piernas.",
        "El wifi no funcionó en todo el vuelo.",
        "La tripulación fue maleducada cuando pedí agua.",
        "La cabina estaba sucia y hacía frío.",
    ]),
    "other": ([
        "Not what I expected, too slow.",
        "Nobody gave clear information.",
        "Too expensive for what you get.",
    ], [
        "No es lo que esperaba, demasiado lento.",
        "Nadie dio información clara.",
        "Demasiado caro para lo que ofrecen.",
    ]),
}

PRAISE: tuple[list[str], list[str]] = ([
    "Quick and easy.", "Friendly staff, thank you.", "All good.", "Smooth, no complaints.",
    "Great service today.", "Fast and simple.", "Very helpful people.",
], [
    "Rápido y fácil.", "Personal muy amable, gracias.", "Todo perfecto.", "Sin problemas.",
    "Muy buen servicio hoy.", "Todo fue bien.", "Gente muy atenta.",
])

_THEMES = [
    ("baggage", ("baggage", "bag tracking", "carousel")),
    ("kiosk", ("kiosk",)),
    ("phone", ("phone", "chat", "booking by phone")),
    ("web", ("web", "app checkout", "flight search", "online check-in", "app check-in")),
    ("boarding", ("boarding", "gate")),
    ("cabin", ("cabin", "seat", "wi-fi", "crew")),
]


def theme_of(touchpoint_name: str) -> str:
    name = f"{touchpoint_name.lower()} "
    for theme, words in _THEMES:
        if any(word in name for word in words):
            return theme
    return "other"


def demo_comment(rng: random.Random, touchpoint_name: str, dissatisfied: bool) -> str:
    """One passenger's comment (often none), in Spanish or English."""
    if rng.random() < SILENT:
        return ""
    spanish = rng.random() < 0.5
    if dissatisfied:
        english_texts, spanish_texts = COMPLAINTS[theme_of(touchpoint_name)]
        # Some complaints are about something else than the touchpoint's theme, as in life.
        if rng.random() < 0.15:
            english_texts, spanish_texts = COMPLAINTS["other"]
    else:
        english_texts, spanish_texts = PRAISE
    template = rng.choice(spanish_texts if spanish else english_texts)
    comment = template.format(m=rng.choice([20, 25, 30, 35, 40, 45, 50, 60, 75, 90]),
                              bag=rng.choice(_BAG_ES if spanish else _BAG_EN))
    return comment[0].upper() + comment[1:]
