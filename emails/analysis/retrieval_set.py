"""A small German + English retrieval set written for this project: mail-search queries → the one mail meant.

Twenty pairs are English, twenty German; the last eight of them are cross-lingual (the query's language
differs from the mail's). Documents on neighbouring topics act as distractors for each other.
"""

from __future__ import annotations

# (query, document, kind) — kind is "en", "de", "de→en" or "en→de"
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("invoice for the new laptops", "Attached is invoice 2024-118 for the three laptops delivered last week. Payment is due within 30 days.", "en"),
    ("when is the team offsite", "Reminder: our team offsite takes place on 14 March at the lake house. Bring walking shoes.", "en"),
    ("password reset link", "Someone requested a password reset for your account. Click the link below to choose a new password.", "en"),
    ("flight to Berlin booking confirmation", "Your booking is confirmed: flight LH 2041 from Munich to Berlin on Friday, departure 7:15.", "en"),
    ("server outage last night", "Post-mortem: the database server went down at 2 am because the disk was full; service was restored at 4 am.", "en"),
    ("job application for the designer position", "Dear hiring team, I am applying for the graphic designer role. My portfolio and CV are attached.", "en"),
    ("dentist appointment change", "Your dental check-up has been moved from Tuesday to Thursday at 10:30. Please call us if that does not suit you.", "en"),
    ("quarterly sales figures", "Q3 revenue grew by 12 percent compared to last year; the detailed sales report is in the shared folder.", "en"),
    ("birthday party invitation", "We are celebrating Mia's 8th birthday on Saturday afternoon with cake and games in the garden. Can you come?", "en"),
    ("rent increase for the apartment", "As of 1 January the monthly rent for your apartment will rise by 40 euros due to higher heating costs.", "en"),
    ("package delivery failed", "We tried to deliver your parcel today but nobody was home. It is waiting at the post office for pickup.", "en"),
    ("conference talk accepted", "Congratulations! Your talk on database indexing has been accepted for the autumn developer conference.", "en"),
    ("car insurance renewal", "Your car insurance policy expires next month. Renew now to keep your no-claims discount.", "en"),
    ("code review request for the login fix", "Could you review my pull request that fixes the login timeout bug? It changes the session handling.", "en"),
    ("cancelled train ticket refund", "Your refund of 59 euros for the cancelled train journey has been transferred to your bank account.", "en"),
    ("feedback on the draft proposal", "I read your draft proposal; the budget section needs more detail, but the timeline looks realistic.", "en"),
    ("Rechnung für die Heizungswartung", "Anbei erhalten Sie die Rechnung für die jährliche Wartung Ihrer Heizungsanlage. Bitte zahlen Sie innerhalb von 14 Tagen.", "de"),
    ("Elternabend in der Schule", "Liebe Eltern, der nächste Elternabend der Klasse 3b findet am Dienstag um 19 Uhr im Musikraum statt.", "de"),
    ("Kündigung des Fitnessstudio-Vertrags", "Hiermit bestätigen wir die Kündigung Ihrer Mitgliedschaft im Fitnessstudio zum 31. März.", "de"),
    ("Urlaubsantrag genehmigt", "Dein Urlaubsantrag für die Zeit vom 5. bis 16. August wurde von der Teamleitung genehmigt.", "de"),
    ("Steuererklärung Unterlagen fehlen", "Für Ihre Einkommensteuererklärung fehlen uns noch die Belege über Spenden und die Handwerkerrechnungen.", "de"),
    ("Wasserschaden im Keller", "Im Keller ist nach dem Starkregen Wasser eingedrungen; der Hausmeister hat einen Trocknungsdienst bestellt.", "de"),
    ("Terminverschiebung Projektbesprechung", "Die Projektbesprechung am Mittwoch muss leider auf Donnerstag, 14 Uhr, verschoben werden.", "de"),
    ("neues Passwort für das WLAN", "Das WLAN im Büro hat ab Montag ein neues Passwort, es hängt an der Pinnwand in der Küche.", "de"),
    ("Bewerbung als Werkstudent", "Sehr geehrte Damen und Herren, ich bewerbe mich um die ausgeschriebene Werkstudentenstelle im Marketing.", "de"),
    ("Arzttermin Bestätigung", "Wir bestätigen Ihren Termin in der Hausarztpraxis am 22. Mai um 8:45 Uhr. Bitte bringen Sie Ihre Versichertenkarte mit.", "de"),
    ("Paket beim Nachbarn abgegeben", "Ihre Sendung wurde heute bei Ihrem Nachbarn in der Hausnummer 12 abgegeben.", "de"),
    ("Gehaltsabrechnung Oktober", "Ihre Gehaltsabrechnung für Oktober steht ab sofort im Mitarbeiterportal zum Download bereit.", "de"),
    ("Einladung zur Weihnachtsfeier", "Die diesjährige Weihnachtsfeier findet am 13. Dezember ab 18 Uhr im Restaurant am Markt statt.", "de"),
    ("Fehler im Bestellsystem", "Seit dem letzten Update stürzt das Bestellsystem ab, sobald ein Kunde einen Gutschein einlöst.", "de"),
    ("Mietvertrag Verlängerung", "Der Vermieter bietet an, den befristeten Mietvertrag um weitere zwei Jahre zu verlängern.", "de"),
    ("Fahrradreparatur fertig", "Ihr Fahrrad ist repariert: neue Bremsbeläge und eine neue Kette. Sie können es ab morgen abholen.", "de"),
    ("Rechnung Hotelübernachtung", "Please find attached the invoice for your two-night hotel stay in Hamburg, including breakfast.", "de→en"),
    ("Lieferung verspätet", "Unfortunately your order will be delayed by about one week because the supplier ran out of stock.", "de→en"),
    ("Zugang zum Firmenlaptop gesperrt", "Your company laptop account has been locked after too many failed login attempts. Contact IT support.", "de→en"),
    ("Einladung zum Vorstellungsgespräch", "We would like to invite you to a job interview at our office next Wednesday at 11 am.", "de→en"),
    ("electricity bill", "Ihre Stromrechnung für das dritte Quartal beträgt 184 Euro und wird am 15. abgebucht.", "en→de"),
    ("meeting minutes from Monday", "Anbei das Protokoll der Besprechung vom Montag mit allen Beschlüssen und offenen Aufgaben.", "en→de"),
    ("vacation photos", "Hier sind endlich die Fotos von unserem Urlaub in Italien, die schönsten sind vom Strand.", "en→de"),
    ("broken heating in the office", "Die Heizung im Büro im zweiten Stock ist ausgefallen, ein Techniker kommt morgen früh.", "en→de"),
)  # fmt: skip
