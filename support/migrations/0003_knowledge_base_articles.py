"""The knowledge base's first articles, written from the seeds (../shared/seeds/): creating a space, the three
cases, first connection, forgotten password and identifiant, e-mails not received, SYLAé/APEA users, Firefox,
the DI code, and the assistance's contacts. Staff edit them in the admin afterwards."""

from django.db import migrations

ARTICLES = [
    {
        "slug": "creer-mon-espace-pas-a-pas",
        "category": "creer-mon-espace",
        "order": 10,
        "title": "Créer l'espace de mon établissement, pas à pas",
        "body": """Pour accéder aux services en ligne de l'Activité Partielle, vous devez d'abord créer un espace pour l'établissement que vous représentez. Munissez-vous au préalable de son numéro de SIRET avant de commencer la procédure.

1. Sur la page d'accueil, cliquez sur [CRÉER MON ESPACE](/creer-mon-espace/).
2. Saisissez le numéro de Siret de l'établissement (14 chiffres, avec ou sans espaces), recopiez le code du contrôle de sécurité et cochez « J'accepte les conditions générales d'utilisation », puis cliquez sur VALIDER. Si vous n'arrivez pas à lire le code, le bouton « Nouveau code » en affiche un autre.
3. Le formulaire « Création de compte d'accès à l'extranet Activité Partielle » s'affiche. Les champs grisés sont renseignés avec les informations connues de l'INSEE : vérifiez-les, vous pouvez les modifier si besoin.
4. Renseignez les champs obligatoires (marqués d'un *) : dénomination, libellé de la voie (28 caractères maximum ; complément d'adresse : 38 caractères maximum), code postal, ville, téléphone fixe et courriel de l'établissement ; puis le compte utilisateur à créer : nom, prénom, téléphone, courriel, question secrète et sa réponse.
5. Saisissez deux fois chaque adresse électronique, à la main : le copier/coller est interdit, afin d'éviter toute erreur de frappe.
6. Recopiez le code de sécurité et cliquez sur ENVOYER.

Le message « Votre demande de création de compte a bien été transmise, un courriel vous sera prochainement envoyé, lorsque votre demande aura été traitée. » confirme l'envoi. Une fois votre demande validée, vous recevez, sous 48 h au maximum, trois courriels de l'ASP : votre identifiant de connexion, votre mot de passe de connexion et la confirmation de la création de votre habilitation.

**La personne à contacter** est l'utilisateur destinataire de tous les échanges liés à l'activité partielle (notifications d'instruction, d'invalidation, décision de l'unité départementale…) : si vous êtes expert-comptable ou tiers déclarant, c'est vous. Avec une adresse électronique incorrecte, il vous serait impossible de recevoir ces informations.""",
    },
    {
        "slug": "les-trois-cas-de-creation",
        "category": "creer-mon-espace",
        "order": 20,
        "title": "Nouveau compte, deuxième établissement ou compte SYLAé : les trois cas",
        "body": """Le parcours « CRÉER MON ESPACE » est le même pour tous ; ce que vous recevez ensuite dépend de votre situation.

**Cas n°1 : premier enregistrement.** Vous n'avez jamais créé de compte sur l'extranet Activité Partielle, ni sur aucun autre extranet de l'ASP (SYLAé, Elisa…) : vous n'avez ni compte utilisateur ASP, ni habilitation à APART. Vous recevez trois courriels : identifiant, mot de passe et habilitation.

**Cas n°2 : vous créez l'espace d'un deuxième établissement.** Vous avez déjà un compte utilisateur ASP et une habilitation à APART. Le message « Pour information : l'utilisateur … a déjà une habilitation sur l'extranet Activité Partielle, pour un autre établissement que le vôtre. Cette même habilitation va être rattachée à ce compte établissement. » s'affiche. Vous ne recevez aucun courriel : connectez-vous avec vos identifiant et mot de passe habituels.

**Cas n°3 : vous êtes utilisateur de SYLAé (ou d'un autre extranet de l'ASP).** Vous êtes déjà connu de l'ASP, mais vous n'avez encore jamais été habilité à l'Activité Partielle. Vous ne recevez qu'un seul courriel, celui de l'habilitation : vos identifiant et mot de passe restent les mêmes.

Les droits sont donnés par défaut pour une période d'un an. Vous ne pouvez vous connecter qu'après avoir reçu le courriel de création d'habilitation, et à compter de la date qu'il précise.""",
    },
    {
        "slug": "un-espace-existe-deja",
        "category": "creer-mon-espace",
        "order": 30,
        "title": "Un espace existe déjà pour mon établissement",
        "body": """Si l'établissement dispose déjà d'un espace, « CRÉER MON ESPACE » s'arrête et vous propose deux issues.

**L'utilisateur précédent de ce compte a quitté l'entreprise, et vous n'avez plus accès à la boîte mail déclarée.** Remplissez un [formulaire de demande d'assistance](/besoin-d-aide/assistance/?motif=habilitation) avec le motif « Habilitation à l'extranet », en indiquant le Siret de l'établissement, vos nom et prénom et votre adresse électronique. L'assistance de l'ASP transfère l'habilitation de l'établissement à votre nom (en créant votre compte si besoin, avec les mêmes courriels qu'une création d'espace) et met fin à celle de l'ancien utilisateur sur cet établissement.

**Vous n'avez pas connaissance de vos identifiant et / ou mot de passe.**
1. Cliquez sur « [J'ai oublié mon identifiant](/identifiant-oublie/) » et suivez la procédure ;
2. puis sur « [J'ai oublié mon mot de passe](/mot-de-passe-oublie/) » et suivez la procédure.

Deux points de vigilance : la procédure est valable 60 minutes, il faut donc être disponible et vérifier dans les spams ; le fonctionnement est plus sûr sous Mozilla Firefox qu'avec les autres navigateurs.""",
    },
    {
        "slug": "deja-utilisateur-sylae-apea",
        "category": "creer-mon-espace",
        "order": 40,
        "title": "Vous avez déjà un compte SYLAé, APEA ou d'un autre extranet de l'ASP",
        "body": """Un établissement qui a déjà des comptes sur d'autres systèmes de l'ASP doit tout de même faire la demande de création d'espace personnel, par [CRÉER MON ESPACE](/creer-mon-espace/) sur la page de connexion de l'Activité Partielle. L'habilitation est en revanche donnée sur le couple identifiant / mot de passe qui existe déjà.

N'utilisez donc pas directement vos identifiant et mot de passe SYLAé : ils ne fonctionneront pas sur l'Activité Partielle sans cette étape préalable. Le message indiquant que les identifiants fonctionnent lorsque des habilitations existent déjà est erroné.

Dans ce cas, les courriels d'identifiant et de mot de passe ne vous sont pas envoyés, car il s'agit des mêmes identifiant et mot de passe : vous ne recevez que le courriel d'habilitation.

Si vous ne vous souvenez plus de vos identifiant et / ou mot de passe SYLAé, retrouvez-les par la même procédure que pour l'Activité Partielle : « [J'ai oublié mon identifiant](/identifiant-oublie/) » et / ou « [J'ai oublié mon mot de passe](/mot-de-passe-oublie/) ».

En cas de changement de mot de passe, la modification s'applique à tous les sites extranet gérés par l'ASP.""",
    },
    {
        "slug": "premiere-connexion",
        "category": "connexion",
        "order": 10,
        "title": "Première connexion : changer le mot de passe provisoire",
        "body": """Lors de votre première connexion, vous devez changer votre mot de passe.

1. Dans « MON ESPACE PERSONNEL », sur la page d'accueil, saisissez l'identifiant et le mot de passe reçus par courriel : l'identifiant (par exemple gerard.menuca1), pas votre adresse de messagerie ; le mot de passe sans les crochets [ ].
2. Il vous est demandé de changer votre mot de passe : saisissez l'ancien, puis deux fois le nouveau.
3. Vous êtes renvoyé sur la page d'accueil : connectez-vous avec le nouveau mot de passe.
4. Vous accédez à votre espace.

Le mot de passe doit comporter au moins 8 caractères, dont au moins une minuscule, une majuscule, un chiffre et un caractère spécial (par exemple , ? ; : % # !). Les caractères accentués ne sont pas autorisés, et il doit être différent de votre identifiant.

Le mot de passe provisoire est valable 30 jours. Au-delà, utilisez « [J'ai oublié mon mot de passe](/mot-de-passe-oublie/) ».

En cas de changement de mot de passe, la modification s'applique à tous les sites extranet gérés par l'ASP (SYLAé, APEA…).""",
    },
    {
        "slug": "mot-de-passe-oublie",
        "category": "connexion",
        "order": 20,
        "title": "J'ai oublié mon mot de passe",
        "body": """1. Sur la page d'accueil, cliquez sur « [J'ai oublié mon mot de passe](/mot-de-passe-oublie/) ».
2. Saisissez votre identifiant et résolvez l'opération. Saisissez bien l'identifiant et non votre adresse de messagerie, sinon le message « Opération impossible pour ce type d'utilisateur » s'affiche.
3. Répondez à votre question secrète.
4. Le message « Un mail de confirmation a été envoyé » s'affiche. Le courriel « Réinitialisation de votre mot de passe » contient un lien : cliquez dessus.
5. Saisissez deux fois votre nouveau mot de passe, recopiez le code de sécurité et cliquez sur Envoyer. Le message « Votre mot de passe a été changé » confirme le changement.

**Attention, deux points de vigilance :**
- la procédure est valable 60 minutes, il faut donc être disponible et vérifier dans les spams ;
- le fonctionnement nominal est assuré sous Mozilla Firefox ; il semble moins systématique avec les autres navigateurs.

Si vous ne vous souvenez plus de la réponse à votre question secrète, [envoyez une demande d'assistance](/besoin-d-aide/assistance/?motif=habilitation) avec le motif « Habilitation à l'extranet » : l'assistance peut réinitialiser votre question secrète, et vous en choisirez une nouvelle à votre prochaine connexion.""",
    },
    {
        "slug": "identifiant-oublie",
        "category": "connexion",
        "order": 30,
        "title": "J'ai oublié mon identifiant",
        "body": """1. Sur la page d'accueil, cliquez sur « [J'ai oublié mon identifiant](/identifiant-oublie/) ».
2. Saisissez l'adresse électronique associée à votre compte, résolvez l'opération et cliquez sur Continuer.
3. Répondez à votre question secrète et cliquez sur Valider.
4. Vous recevez un courriel contenant votre identifiant de connexion.

Si vous avez oublié vos question et réponse secrètes, il vous est impossible de récupérer seul votre identifiant : vous devez [contacter l'assistance](/besoin-d-aide/assistance/?motif=habilitation), avec le motif « Habilitation à l'extranet ».

Les identifiant et mot de passe de SYLAé ou d'un autre extranet de l'ASP se retrouvent par la même procédure.""",
    },
    {
        "slug": "navigateur-firefox",
        "category": "connexion",
        "order": 40,
        "title": "Quel navigateur utiliser ?",
        "body": """Il est préférable d'utiliser le navigateur **Mozilla Firefox** pour réaliser vos demandes sur l'extranet Activité Partielle.

Le fonctionnement nominal est assuré sous Firefox ; il semble moins systématique avec les autres navigateurs, notamment pour la réinitialisation du mot de passe et la saisie des demandes d'indemnisation.

Si une page ne réagit pas comme prévu, essayez avec Firefox avant de contacter l'assistance.""",
    },
    {
        "slug": "habilitation-dates",
        "category": "connexion",
        "order": 50,
        "title": "Mon habilitation : à partir de quand et jusqu'à quand ?",
        "body": """Le courriel « Habilitation à l'activité partielle » vous informe que votre habilitation est activée et précise la date à compter de laquelle vous pourrez vous connecter. Les usagers ne peuvent se connecter qu'après avoir reçu ce courriel, et à compter de la date qu'il précise.

Les droits sont donnés par défaut pour une période d'un an. Pour prolonger une habilitation qui arrive à échéance ou qui a expiré, [envoyez une demande d'assistance](/besoin-d-aide/assistance/?motif=habilitation) avec le motif « Habilitation à l'extranet ».

Pour donner accès à un collègue sur un établissement dont vous avez l'habilitation, utilisez « DEMANDE CRÉATION DE COMPTE » dans votre espace.""",
    },
    {
        "slug": "vous-n-avez-toujours-rien-recu",
        "category": "courriels",
        "order": 10,
        "title": "Vous n'avez toujours rien reçu ?",
        "body": """Une fois votre demande de création de compte validée, les courriels de l'ASP arrivent sous 48 h au maximum. Ils sont envoyés par noreply@asp-public.fr.

Avant de contacter l'assistance :
- vérifiez le dossier « SPAM » ou « courrier indésirable », ou tout autre système de filtrage des spams de votre messagerie ;
- laissez passer le délai de 48 heures après la validation de votre demande ;
- pour le lien de réinitialisation du mot de passe, souvenez-vous qu'il n'est valable que 60 minutes : au-delà, refaites la demande.

Il est possible que les serveurs de votre entreprise bloquent les messages qui vous sont transmis, ou qu'une intervention plus lourde doive être effectuée par l'ASP. Dans ce cas, [envoyez une demande d'assistance](/besoin-d-aide/assistance/?motif=habilitation) en choisissant le motif « Habilitation à l'extranet ». L'assistance vérifie si les courriels sont bien partis et peut vous les renvoyer, avec un nouveau mot de passe provisoire.

Si votre établissement a déjà accès à un extranet de l'ASP (SYLAé, APEA…), les courriels d'identifiant et de mot de passe ne vous sont pas envoyés : ce sont les mêmes identifiant et mot de passe.""",
    },
    {
        "slug": "les-courriels-de-l-asp",
        "category": "courriels",
        "order": 20,
        "title": "Les trois courriels de la création de compte",
        "body": """Après la validation de votre demande, l'ASP (noreply@asp-public.fr) vous envoie :
- « Identifiant de connexion à l'Agence de Services et de Paiement (ASP) » : votre identifiant, à saisir dans « MON ESPACE PERSONNEL » ;
- « Mot de passe de connexion à l'Agence de Services et de Paiement (ASP) » : votre mot de passe provisoire, à saisir sans les crochets [ ]. Il est impératif de conserver ce courriel ;
- « Habilitation à l'activité partielle » : la date à compter de laquelle vous pouvez vous connecter.

Vous ne pouvez vous connecter que lorsque vous avez reçu le courriel vous informant de la création de votre habilitation.

Ces courriels sont générés automatiquement : n'y répondez pas. Pour toute question, passez par le [formulaire de demande d'assistance](/besoin-d-aide/assistance/).""",
    },
    {
        "slug": "demande-d-indemnisation",
        "category": "demandes",
        "order": 10,
        "title": "Créer et suivre une demande d'indemnisation",
        "body": """**Créer une demande.** En cas de difficulté à renseigner une demande d'indemnisation (DI), la raison est le plus souvent que la procédure n'est pas correctement suivie : suivez pas à pas la « fiche DI » disponible sur l'application. Il est préférable d'utiliser le navigateur Firefox.

**Suivre une demande.** L'information de validation de la demande d'indemnisation apparaît dans votre espace employeur. Connectez-vous à votre espace personnel pour suivre l'évolution de vos demandes ; vous pouvez y générer un document récapitulatif au moment de la demande, puis après sa validation.

**Fiche établissement.** La création d'une demande d'autorisation préalable est impossible tant que votre fiche établissement n'est pas complète : complétez-la depuis le menu ÉTABLISSEMENTS de votre espace.

**Délais.** Dans le cadre de la crise liée au COVID-19, vous disposez d'un délai de 30 jours à compter de la mise en activité partielle de vos salariés pour déposer la demande d'autorisation préalable et, une fois l'autorisation donnée par la DIRECCTE, d'un délai d'un an à compter de la fin de la période de mise en activité partielle de vos salariés pour déposer vos demandes d'indemnisation.""",
    },
    {
        "slug": "code-di-ne-fonctionne-pas",
        "category": "demandes",
        "order": 20,
        "title": "Le code de la demande d'indemnisation (DI) ne fonctionne pas",
        "body": """Si le code d'une demande d'indemnisation (DI) ne fonctionne pas, récupérez-le dans l'écran de la décision d'autorisation (DA) : copiez-le puis collez-le, plutôt que de le recopier à la main.

Si le problème persiste, [envoyez une demande d'assistance](/besoin-d-aide/assistance/?motif=demande_indemnisation) avec le motif « Demande d'indemnisation ».""",
    },
    {
        "slug": "contacter-l-assistance",
        "category": "assistance",
        "order": 10,
        "title": "Contacter l'assistance",
        "body": """Avant de nous contacter, consultez les articles de la base de connaissances : la plupart des questions y trouvent leur réponse.

**Par le formulaire** : le [formulaire de demande d'assistance](/besoin-d-aide/assistance/). Choisissez le motif qui correspond à votre demande : « Habilitation à l'extranet » pour tout problème de compte, d'identifiant, de mot de passe, de question secrète ou de courriel non reçu. Vous recevez un accusé de réception avec la référence de votre demande ; la réponse de l'assistance arrive par courriel, avec un lien pour lui répondre.

**Par courriel** : [contact-ap@asp-public.fr](mailto:contact-ap@asp-public.fr)

**Par téléphone** :
- 0800 705 800 (n° Vert : services et appels gratuits), de 8 h 00 à 18 h 00 ;
- 0820 722 111 pour la Métropole (service 0,15 € / appel + prix appel) ;
- 0821 401 400 pour les DOM (service 0,15 € / appel + prix appel).

Munissez-vous du numéro de Siret de l'établissement et, si vous en avez une, de la référence de votre demande d'assistance.""",
    },
]


def create_articles(apps, schema_editor):
    Article = apps.get_model("support", "Article")
    for article in ARTICLES:
        Article.objects.get_or_create(slug=article["slug"], defaults={**article, "is_published": True})


def delete_articles(apps, schema_editor):
    Article = apps.get_model("support", "Article")
    Article.objects.filter(slug__in=[article["slug"] for article in ARTICLES]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("support", "0002_tickets_articles_audit"),
    ]

    operations = [
        migrations.RunPython(create_articles, delete_articles),
    ]
