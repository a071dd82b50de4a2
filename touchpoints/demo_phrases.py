"""What the airline demo's customers say, touchpoint by touchpoint, in Spanish and English.

Plain data, read by `demo_comments`, which composes these sentences into
comments. The words are chosen so that the demo's red cells explain themselves:
at baggage claim, bags (maleta, equipaje, suitcase, luggage) that are lost, late
or broken, and waiting; at the check-in kiosk, a kiosk (quiosco) that fails to
read a passport or a boarding pass, and queues. Kiosk words appear nowhere else
and bag words hardly elsewhere, as a real survey of this airline would read.
"""

from __future__ import annotations

from dataclasses import dataclass

# Values for the {slots} in the sentences below.
SLOTS: dict[str, tuple[str, ...]] = {
    "minutes": tuple(str(value) for value in range(20, 100, 5)),
    "short": tuple(str(value) for value in range(3, 16)),
    "hours": tuple(str(value) for value in range(2, 6)),
    "days": tuple(str(value) for value in range(2, 8)),
    "euros": tuple(str(value) for value in range(15, 95, 5)),
    "kg": tuple(str(value) for value in range(1, 6)),
    "times": tuple(str(value) for value in range(2, 5)),
    "working": ("1", "2", "3"),
    "kiosks": tuple(str(value) for value in range(6, 13)),
    "city": ("Madrid", "Barcelona", "Frankfurt", "Lima", "Bogotá", "Miami"),
}


@dataclass(frozen=True)
class Voice:
    """What customers say about one kind of touchpoint in one language."""

    complaints: tuple[str, ...]
    praise: tuple[str, ...]
    details: tuple[str, ...] = ()  # a second complaint sentence, where the theme has one


@dataclass(frozen=True)
class Register:
    """Generic words of one language that fit any touchpoint."""

    openers: tuple[str, ...]
    complaint_closers: tuple[str, ...]
    complaints: tuple[str, ...]
    praise: tuple[str, ...]
    praise_closers: tuple[str, ...]


GENERIC: dict[str, Register] = {
    "en": Register(
        openers=("Terrible.", "Really disappointing.", "Not good enough.", "Awful experience.", "Again!",
                 "Seriously?"),
        complaint_closers=("Never again.", "Not acceptable.", "Please fix this.", "I expected better.",
                           "Very frustrating.", "😡", "Shame on you."),
        complaints=("Terrible service.", "Worst experience with this airline.", "Very disappointed.",
                    "Nothing worked as it should."),
        praise=("Quick and easy.", "Everything went smoothly.", "No complaints.", "Good experience overall.",
                "Friendly staff."),
        praise_closers=("Thanks!", "Well done.", "Keep it up.", "Will fly again.", "👍"),
    ),
    "es": Register(
        openers=("Fatal.", "Muy decepcionante.", "Qué desastre.", "Una vergüenza.", "Otra vez lo mismo.",
                 "Increíble."),
        complaint_closers=("No vuelvo a volar con vosotros.", "Inaceptable.", "Arreglad esto, por favor.",
                           "Pésimo servicio.", "Muy frustrante.", "😡", "Nunca más."),
        complaints=("Pésimo servicio.", "La peor experiencia con esta aerolínea.", "Muy decepcionado.",
                    "Nada funcionó como debía."),
        praise=("Todo perfecto.", "Rápido y fácil.", "Sin problemas.", "Muy buena experiencia.",
                "Personal muy amable."),
        praise_closers=("¡Gracias!", "Muy bien.", "Así da gusto.", "Repetiré.", "👍"),
    ),
}

# Touchpoints without a theme of their own get only the generic words.
NO_THEME: dict[str, Voice] = {
    "en": Voice(complaints=GENERIC["en"].complaints, praise=GENERIC["en"].praise),
    "es": Voice(complaints=GENERIC["es"].complaints, praise=GENERIC["es"].praise),
}

BAGGAGE_CAROUSEL = {
    "en": Voice(
        complaints=(
            "Waited {minutes} minutes at the carousel and my bag never came.",
            "Our bags took {minutes} minutes to come out.",
            "My suitcase arrived damaged, the handle was broken.",
            "Waited {minutes} minutes for the luggage and the screen kept changing the belt.",
            "The carousel stopped twice; we waited almost {minutes} minutes for our bags.",
            "My bag came out last after {minutes} minutes, soaked and with a broken wheel.",
            "Waiting {minutes} minutes for a suitcase after a {hours}-hour flight is a joke.",
            "My bag never arrived; I waited {minutes} minutes at the belt for nothing.",
        ),
        praise=("My bag was out in {short} minutes.", "Bags came out quickly.", "Quick baggage delivery.",
                "Short wait, everything fine."),
        details=("Nobody from the airline was around.", "No information on the screens.",
                 "Half the flight was still waiting when I left.", "No staff to ask.",
                 "Same thing happened on my last trip."),
    ),
    "es": Voice(
        complaints=(
            "Esperé {minutes} minutos en la cinta y mi maleta no salió.",
            "Mi maleta llegó rota y nadie me atendió.",
            "Las maletas tardaron {minutes} minutos en salir.",
            "Más de {minutes} minutos esperando el equipaje.",
            "La cinta se paró dos veces y seguimos esperando las maletas.",
            "Mi maleta salió la última, mojada y con una rueda rota.",
            "Un vuelo de {hours} horas y luego {minutes} minutos esperando la maleta.",
            "El equipaje tardó muchísimo, {minutes} minutos de espera.",
        ),
        praise=("Mi maleta salió en {short} minutos.", "El equipaje salió enseguida.", "Muy rápido todo.",
                "Poca espera, todo bien."),
        details=("No había nadie de la aerolínea.", "Ninguna información en las pantallas.",
                 "Medio avión seguía esperando cuando me fui.", "Nadie nos decía nada.",
                 "Me pasó lo mismo en el último viaje."),
    ),
}

LOST_BAGGAGE = {
    "en": Voice(
        complaints=(
            "They lost my suitcase and nobody knows where it is.",
            "Waited {minutes} minutes at the lost baggage desk to fill in a form.",
            "My bag has been missing for {days} days and nobody answers.",
            "Lost luggage again, and only one agent at the desk.",
            "They lost my bag and the desk closed while I was still waiting.",
            "{days} days without my suitcase and still no news.",
            "My suitcase was lost and they told me to wait at home.",
        ),
        praise=("They found my bag and delivered it the next day.",
                "The agent was kind and my suitcase reached my hotel within {hours} hours.",
                "Helpful agent at the desk."),
        details=("I had to buy clothes for the whole trip.", "The reference number they gave me does not work.",
                 "Nobody calls back.", "The agent was rude.", "I waited another {minutes} minutes on the phone."),
    ),
    "es": Voice(
        complaints=(
            "Perdieron mi maleta y nadie sabe dónde está.",
            "Esperé {minutes} minutos en el mostrador de equipajes para rellenar un papel.",
            "Llevo {days} días sin mi maleta y nadie contesta.",
            "Me perdieron el equipaje y solo había una persona atendiendo.",
            "Mi maleta sigue perdida después de {days} días.",
            "Perdieron mi maleta y me dijeron que esperara en casa.",
            "Equipaje perdido otra vez, {minutes} minutos de espera para poner la reclamación.",
        ),
        praise=("Encontraron mi maleta y me la llevaron al hotel al día siguiente.",
                "La chica del mostrador fue muy amable.", "Me lo resolvieron en {hours} horas."),
        details=("Tuve que comprar ropa para todo el viaje.", "El número de referencia no funciona.",
                 "Nadie devuelve las llamadas.", "La persona del mostrador fue muy borde.",
                 "Luego esperé otros {minutes} minutos al teléfono."),
    ),
}

BAG_TRACKING = {
    "en": Voice(
        complaints=(
            "The app said my bag was on the belt; it was still in {city}.",
            "Bag tracking has not updated in {days} days. Where is my suitcase?",
            "The tracking showed my luggage as delivered and it never arrived.",
            "I waited {minutes} minutes for a bag the app said was there.",
            "Tracking says my suitcase is in {city}, the desk says it is lost.",
        ),
        praise=("Handy to see where my bag was.", "Bag tracking was accurate to the minute."),
        details=("The app is useless for this.", "Nobody could explain it."),
    ),
    "es": Voice(
        complaints=(
            "La app decía que mi maleta estaba en la cinta y seguía en {city}.",
            "El seguimiento del equipaje no se actualiza desde hace {days} días.",
            "Según la app mi maleta estaba entregada y nunca llegó.",
            "Esperé {minutes} minutos por una maleta que la app daba por llegada.",
            "La app dice que mi maleta está en {city} y en el mostrador que está perdida.",
        ),
        praise=("Muy útil ver dónde estaba la maleta.", "El seguimiento del equipaje funcionó perfecto."),
        details=("La app no sirve para nada.", "Nadie supo explicarlo."),
    ),
}

CHECK_IN_KIOSK = {
    "en": Voice(
        complaints=(
            "The kiosk would not read my passport.",
            "The kiosk froze halfway through check-in.",
            "Long queue at the kiosks, only {working} of {kiosks} working.",
            "The kiosk could not print my boarding pass.",
            "Tried three kiosks, none of them read my passport.",
            "The kiosk kept saying 'see an agent'; {minutes} minutes in the queue for nothing.",
            "The kiosk screen froze and the queue behind me kept growing.",
            "Kiosk rejected my boarding pass {times} times.",
        ),
        praise=("Kiosk check-in took two minutes.", "The kiosk was quick, no queue."),
        details=("No staff around to help.", "Nearly missed my flight.", "Same problem as last time.",
                 "Out of order signs everywhere."),
    ),
    "es": Voice(
        complaints=(
            "El quiosco no leía mi pasaporte.",
            "El quiosco se quedó colgado a mitad del check-in.",
            "Cola enorme en los quioscos, solo funcionaban {working} de {kiosks}.",
            "El quiosco no imprimía la tarjeta de embarque.",
            "Probé tres quioscos y ninguno leyó el pasaporte.",
            "{minutes} minutos de cola para que el quiosco me mandara al mostrador.",
            "La pantalla del quiosco no respondía y la cola no paraba de crecer.",
            "El quiosco rechazó mi tarjeta de embarque {times} veces.",
        ),
        praise=("El quiosco fue rapidísimo.", "Check-in en el quiosco en un minuto."),
        details=("No había nadie para ayudar.", "Casi pierdo el vuelo.", "Igual que la última vez.",
                 "Carteles de averiado por todas partes."),
    ),
}

CHECK_IN_DESK = {
    "en": Voice(complaints=("Only {times} desks open for the whole flight.", "The agent at the desk was rude.",
                            "{minutes} minutes in line at the check-in desk.",
                            "The desk agent could not find my booking."),
                praise=("The agent at the desk was very helpful.", "They changed my seat, thank you!")),
    "es": Voice(complaints=("Solo {times} mostradores abiertos para todo el vuelo.",
                            "La persona del mostrador fue muy seca.", "{minutes} minutos de fila en el mostrador.",
                            "En el mostrador no encontraban mi reserva."),
                praise=("Muy amables en el mostrador.", "Me cambiaron el asiento sin problema.")),
}

ONLINE_CHECK_IN = {
    "en": Voice(complaints=("Online check-in kept failing with an error.",
                            "Could not download the boarding pass, had to go to the airport.",
                            "The app logged me out {times} times during check-in.",
                            "They charge {euros} euros to pick a seat at check-in."),
                praise=("Checked in online in a minute.", "App check-in was painless.")),
    "es": Voice(complaints=("El check-in online daba error todo el rato.",
                            "No pude descargar la tarjeta de embarque.",
                            "La app me cerró la sesión {times} veces durante el check-in.",
                            "Cobran {euros} euros por elegir asiento al hacer el check-in."),
                praise=("Check-in online en un minuto.", "Facilísimo hacer el check-in desde la app.")),
}

FLIGHT_SEARCH = {
    "en": Voice(complaints=("Prices changed between search and payment.",
                            "The fare jumped {euros} euros when I reloaded the page.",
                            "Search kept showing flights that were sold out.",
                            "The search crashed every time I changed the dates.",
                            "Fees only show up at the very end."),
                praise=("Easy to compare fares.", "Found a cheap flight in seconds.")),
    "es": Voice(complaints=("El precio cambió entre la búsqueda y el pago.",
                            "La tarifa subió {euros} euros al recargar la página.",
                            "El buscador mostraba vuelos agotados.",
                            "El buscador se cerraba al cambiar las fechas.",
                            "Las tasas no aparecen hasta el final."),
                praise=("Fácil comparar precios.", "Encontré un vuelo barato enseguida.")),
}

SOCIAL_QUESTIONS = {
    "en": Voice(complaints=("Asked about the fare on Twitter, got an answer {hours} hours later.",
                            "The reply was a copy-paste that did not answer my question.",
                            "Sent a DM about fees, nobody replied."),
                praise=("Quick answer on Instagram.", "They replied in minutes with the exact fare.")),
    "es": Voice(complaints=("Pregunté por la tarifa en Twitter y respondieron a las {hours} horas.",
                            "La respuesta fue un copia y pega que no contestaba nada.",
                            "Mandé un mensaje privado por las tasas y nadie contestó."),
                praise=("Me contestaron por Instagram en minutos.", "Respuesta rápida y clara por redes.")),
}

CHECKOUT = {
    "en": Voice(complaints=("Payment failed {times} times and then I was charged twice.",
                            "The page froze at payment.", "Hidden fees of {euros} euros added at the last step.",
                            "Card declined for no reason; it works everywhere else.",
                            "Checkout kept resetting the passenger details."),
                praise=("Booking took two minutes.", "Smooth payment, instant confirmation.")),
    "es": Voice(complaints=("El pago falló {times} veces y luego me cobraron dos veces.",
                            "La página se bloqueó al pagar.", "Me añadieron {euros} euros de gastos en el último paso.",
                            "Rechazaron la tarjeta sin motivo.", "Al pagar se borraban los datos de los pasajeros."),
                praise=("Reservar fue rapidísimo.", "Pago sencillo y confirmación al instante.")),
}

PHONE = {
    "en": Voice(complaints=("On hold for {minutes} minutes before anyone answered.",
                            "Transferred {times} times and then the call dropped.",
                            "The agent could not change my flight and told me to call back.",
                            "They promised a call back that never came."),
                praise=("The agent solved everything in one call.", "Very patient agent on the phone.")),
    "es": Voice(complaints=("{minutes} minutos al teléfono antes de que contestara alguien.",
                            "Me pasaron con {times} personas y se cortó la llamada.",
                            "No pudieron cambiarme el vuelo y me dijeron que volviera a llamar.",
                            "Prometieron llamarme y nunca lo hicieron."),
                praise=("Me lo resolvieron en una sola llamada.", "La agente fue muy paciente al teléfono.")),
}

CHAT = {
    "en": Voice(complaints=("The chatbot kept sending me to the FAQ.",
                            "It took {minutes} minutes to reach a real person in the chat.",
                            "The chat closed itself in the middle of the conversation."),
                praise=("The chat agent fixed my booking in minutes.",)),
    "es": Voice(complaints=("El chatbot me mandaba a las preguntas frecuentes una y otra vez.",
                            "Tardé {minutes} minutos en hablar con una persona en el chat.",
                            "El chat se cerró a mitad de la conversación."),
                praise=("Por chat me lo solucionaron en minutos.",)),
}

REMINDERS = {
    "en": Voice(complaints=("The reminder e-mail had the wrong departure time.",
                            "Got the gate change e-mail after boarding had closed.",
                            "Plenty of promotional e-mails, not one useful reminder."),
                praise=("Helpful reminder the day before.", "The e-mail had everything I needed.")),
    "es": Voice(complaints=("El correo de recordatorio tenía mal la hora de salida.",
                            "El aviso de cambio de puerta llegó con el embarque ya cerrado.",
                            "Muchos correos de publicidad y ningún recordatorio útil."),
                praise=("Útil el recordatorio del día anterior.", "El correo traía toda la información.")),
}

BAG_DROP = {
    "en": Voice(complaints=("The bag drop machine would not print the tag.",
                            "Charged {euros} euros for {kg} kg over the limit.",
                            "{minutes} minutes in line at bag drop with two desks open.",
                            "The self-service machine kept rejecting the scan."),
                praise=("Bag drop took a minute.", "Quick and friendly at bag drop.")),
    "es": Voice(complaints=("La máquina de facturación no imprimía la etiqueta.",
                            "Me cobraron {euros} euros por {kg} kg de más.",
                            "{minutes} minutos de fila para facturar con dos mostradores abiertos.",
                            "La máquina de autofacturación no reconocía la tarjeta de embarque."),
                praise=("Facturar fue cuestión de un minuto.", "Rápidos y amables al facturar.")),
}

GATE_BOARDING = {
    "en": Voice(complaints=("Boarding was chaos: no groups, everyone pushing.",
                            "The gate changed twice and nobody announced it.",
                            "Delayed {hours} hours at the gate with no explanation.",
                            "We stood on the jet bridge for {minutes} minutes."),
                praise=("Orderly boarding by groups.", "Boarded on time, well organised.")),
    "es": Voice(complaints=("El embarque fue un caos, sin grupos y todos empujando.",
                            "Cambiaron la puerta dos veces sin avisar.",
                            "{hours} horas de retraso en la puerta sin explicación.",
                            "Estuvimos {minutes} minutos de pie en la pasarela."),
                praise=("Embarque ordenado por grupos.", "Embarcamos puntuales y sin líos.")),
}

BOARDING_PASS_APP = {
    "en": Voice(complaints=("The QR code in the app would not scan at the gate.",
                            "The app crashed just as I reached the gate.",
                            "My boarding pass disappeared from the app after the gate change."),
                praise=("Boarding pass on my phone, scanned first time.",)),
    "es": Voice(complaints=("El código QR de la app no se leía en la puerta.",
                            "La app se cerró justo al llegar a la puerta.",
                            "La tarjeta de embarque desapareció de la app tras el cambio de puerta."),
                praise=("La tarjeta en el móvil funcionó a la primera.",)),
}

LOUNGE = {
    "en": Voice(complaints=("The lounge was full and we were turned away.", "Dirty tables and nothing left to eat.",
                            "My ticket includes the lounge and they refused me entry."),
                praise=("Quiet lounge, good coffee.",)),
    "es": Voice(complaints=("La sala VIP estaba llena y no nos dejaron pasar.", "Mesas sucias y sin nada de comer.",
                            "Mi billete incluía la sala y me negaron la entrada."),
                praise=("Sala tranquila y buen café.",)),
}

CABIN_CREW = {
    "en": Voice(complaints=("The crew ignored the call button for {minutes} minutes.",
                            "The flight attendant was rude when I asked for water.",
                            "Not even water on a {hours}-hour flight.",
                            "The crew chatted in the galley the whole flight."),
                praise=("Lovely crew, very attentive.", "The flight attendants were great with my kids.")),
    "es": Voice(complaints=("La tripulación ignoró el botón de llamada durante {minutes} minutos.",
                            "La azafata fue muy borde cuando pedí agua.",
                            "Ni un vaso de agua en un vuelo de {hours} horas.",
                            "Los auxiliares charlando en la cocina todo el vuelo."),
                praise=("Tripulación encantadora y muy atenta.", "Las azafatas fueron geniales con mis hijos.")),
}

SEAT_COMFORT = {
    "en": Voice(complaints=("No legroom at all, my knees against the seat in front.", "My seat would not recline.",
                            "The cabin was freezing the whole flight.", "Dirty seat pocket and crumbs everywhere.",
                            "Broken tray table for {hours} hours."),
                praise=("Comfortable seat and a clean cabin.", "Plenty of legroom.")),
    "es": Voice(complaints=("Sin espacio para las piernas, las rodillas contra el asiento de delante.",
                            "Mi asiento no se reclinaba.", "Hacía un frío horrible en la cabina.",
                            "Asiento sucio y migas por todas partes.", "La mesita rota durante {hours} horas de vuelo."),
                praise=("Asiento cómodo y cabina limpia.", "Buen espacio para las piernas.")),
}

WIFI = {
    "en": Voice(complaints=("Paid for the Wi-Fi and it never connected.", "The Wi-Fi dropped every {short} minutes.",
                            "Wi-Fi too slow to even load e-mail."),
                praise=("Wi-Fi good enough to work.",)),
    "es": Voice(complaints=("Pagué el wifi y nunca conectó.", "El wifi se cortaba cada {short} minutos.",
                            "El wifi no daba ni para leer el correo."),
                praise=("El wifi funcionó bien todo el vuelo.",)),
}

ARRIVAL_INFORMATION = {
    "en": Voice(complaints=("No information on the screens about connections.",
                            "The arrival screens showed the wrong gate.",
                            "Nobody told us why we sat on the tarmac for {minutes} minutes."),
                praise=("Clear signs all the way to the exit.",)),
    "es": Voice(complaints=("Las pantallas de llegada no decían nada de las conexiones.",
                            "Las pantallas marcaban mal la puerta.",
                            "Nadie explicó por qué estuvimos {minutes} minutos parados en pista."),
                praise=("Todo bien señalizado hasta la salida.",)),
}

CONNECTIONS = {
    "en": Voice(complaints=("Missed my connection and nobody helped.", "The transfer desk was closed.",
                            "I had {minutes} minutes to connect and ran across the terminal alone."),
                praise=("Staff met us at the door and walked us to the connection.",)),
    "es": Voice(complaints=("Perdí la conexión y nadie me ayudó.", "El mostrador de tránsitos estaba cerrado.",
                            "Tenía {minutes} minutos para enlazar y tuve que correr por toda la terminal."),
                praise=("Nos acompañaron a la conexión, gracias.",)),
}

WHOLE_TRIP = {
    "en": Voice(complaints=("Flight delayed {hours} hours and no compensation.", "Expensive for what you get.",
                            "The whole trip was one problem after another.",
                            "Asked for a refund {days} weeks ago, nothing yet."),
                praise=("Great trip from start to finish.", "Would recommend to friends.", "On time both ways.")),
    "es": Voice(complaints=("Vuelo retrasado {hours} horas y sin compensación.", "Caro para lo que ofrecen.",
                            "Todo el viaje fue un problema detrás de otro.",
                            "Pedí un reembolso hace {days} semanas y nada."),
                praise=("Viaje estupendo de principio a fin.", "Lo recomendaré a mis amigos.",
                        "Puntuales a la ida y a la vuelta.")),
}

SOCIAL_POSTS = {
    "en": Voice(complaints=("Worst service ever, {hours} hours delayed and no answer.",
                            "Nobody replies to complaints here.", "Posting this so others know: avoid this airline."),
                praise=("Shout out to the crew on my flight today!", "Best airline I have flown this year.")),
    "es": Voice(complaints=("El peor servicio, {hours} horas de retraso y ni una respuesta.",
                            "Aquí nadie contesta a las quejas.", "Lo pongo para que otros lo sepan: evitad esta aerolínea."),
                praise=("¡Gracias a la tripulación de hoy!", "La mejor aerolínea con la que he volado este año.")),
}

# The airline template's touchpoints (journeys.cycle_templates.AIRLINE), by name.
THEMES: dict[str, dict[str, Voice]] = {
    "Flight search on the website": FLIGHT_SEARCH,
    "Flight search in the app": FLIGHT_SEARCH,
    "Fare questions on social media": SOCIAL_QUESTIONS,
    "Web checkout": CHECKOUT,
    "App checkout": CHECKOUT,
    "Booking by phone": PHONE,
    "Phone support": PHONE,
    "Chat support": CHAT,
    "Trip reminders by e-mail": REMINDERS,
    "Online check-in": ONLINE_CHECK_IN,
    "App check-in": ONLINE_CHECK_IN,
    "Check-in kiosk": CHECK_IN_KIOSK,
    "Check-in desk": CHECK_IN_DESK,
    "Bag drop desk": BAG_DROP,
    "Self-service bag drop": BAG_DROP,
    "Gate boarding": GATE_BOARDING,
    "Boarding pass in the app": BOARDING_PASS_APP,
    "Lounge access": LOUNGE,
    "Cabin crew": CABIN_CREW,
    "Seat and cabin comfort": SEAT_COMFORT,
    "In-flight Wi-Fi": WIFI,
    "Arrival information": ARRIVAL_INFORMATION,
    "Connection assistance": CONNECTIONS,
    "Baggage carousel wait": BAGGAGE_CAROUSEL,
    "Lost baggage desk": LOST_BAGGAGE,
    "Bag tracking in the app": BAG_TRACKING,
    "Post-trip survey": WHOLE_TRIP,
    "Social media mentions": SOCIAL_POSTS,
    "Review sites": WHOLE_TRIP,
}
