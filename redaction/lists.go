package redaction

import "strings"

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[strings.ReplaceAll(w, "_", " ")] = true
	}
	return m
}

// Titles precede a name but are not part of it.
var titles = set(`dr doctor mr mrs ms miss mx officer judge sergeant sgt detective det pastor reverend rev
father fr coach nurse professor prof deputy trooper agent captain lieutenant lt sister brother aunt uncle
grandma grandpa nana papa auntie cousin sponsor counselor therapist attorney lawyer po`)

// Relation and role words: "my sister Ana", "her sponsor, Tom Reyes".
var relations = set(`sister brother mom mother dad father son daughter wife husband partner girlfriend boyfriend
fiance fiancee aunt uncle cousin nephew niece grandma grandmother grandpa grandfather grandson granddaughter
stepdad stepmom stepfather stepmother stepson stepdaughter sponsor friend roommate neighbor neighbour boss
supervisor manager coworker co-worker landlord ex baby kid kids child children twin sibling sis bro
counselor therapist psychiatrist prescriber doctor nurse caseworker worker officer po attorney lawyer judge
pastor priest coach teacher principal adjuster advocate mentor peer grandparent godmother godfather
in-law wife's husband's mom's dad's`)

// Words that introduce a name directly.
var nameCue = set(`named name's called dictated this_is hi hey hello thanks thank_you bye goodbye dear`)

var months = map[string]int{"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}

var weekdays = set(`monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun`)

// Street types close an address ("93 Ashby Court", "delphos avenue").
var streetTypes = set(`street st avenue ave road rd court ct lane ln drive dr boulevard blvd way place pl circle cir
terrace ter parkway pkwy highway hwy route rt trail trl pike square sq alley row crescent loop run
turnpike expressway plaza`)

// Facility and organisation heads: the last word of a named place or employer.
var facilityHeads = set(`center centre clinic hospital house living home homes shelter place village apartments
manor commons central towers estates park church chapel temple mosque synagogue ministries mission library
pharmacy lab laboratory recovery rehab rehabilitation treatment services program associates counseling wellness
health healthcare medical behavioral institute foundation prison jail penitentiary correctional facility court
courthouse hall motel hotel inn suites plaza mall unit detox lodge outreach action pointe point cemetery
saint st holy lutheran methodist baptist presbyterian episcopal catholic pentecostal probation memorial
general regional campus ridge`)

var orgHeads = set(`school elementary middle high academy college university community_college prep institute
freight logistics trucking transport inc llc corp corporation company co group industries manufacturing foods
market supermarket grocery restaurant diner cafe bakery bank construction roofing plumbing electric motors auto
automotive dealership steel insurance systems solutions partners enterprises store stores depot mart warehouse
distribution shipping airlines bar grill pizza pub tavern salon staffing packaging parts tool die state
works mills`)

// Trade and industry words that end an employer's name ("Hadley Brothers
// Excavating", "ostrowski farms", "Larrabee Metals"): generic industry nouns
// of the kind the NAICS sector titles use, heads like orgHeads.
var tradeHeads = set(`brothers bros sons excavating excavation farms farm orchards orchard ranch dairy creamery
concrete metals metal plastics machine machining shop fabrication fabricators welding packing storage lumber mill
marine grain laundry linen service janitorial landscaping lawn roofing siding flooring carpet cabinets furniture
printing textiles apparel tire tires towing collision salvage recycling scrap hauling movers courier transit
aviation poultry meats bottling brewing brewery winery distillery cannery nursery greenhouses florist catering
deli saloon lounge casino lanes cinema theater theatre hvac contractors contracting engineering excavators
fasteners fixtures freight tool tools granite stone quarry supplies industries logistics manufacturing distributors
distribution enterprises motors plumbing heating foods packaging pallet pallets wire steel iron glass coatings paint`)

// orgTails continue an organisation after its head, never start one:
// "quarles auto body", "fenwick tire and supply".
var orgTails = set(`body shop works supply sales repair`)

// Orgs that are famous single-word employers are detected through context
// ("works at X"), not listed here.

var usStates = set(`alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii
idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
missouri montana nebraska nevada new_hampshire new_jersey new_mexico new_york north_carolina north_dakota ohio
oklahoma oregon pennsylvania rhode_island south_carolina south_dakota tennessee texas utah vermont virginia
washington west_virginia wisconsin wyoming`)

var stateAbbr = set(`AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC`)

// Clinical vocabulary, drug names and therapy-skill names: never identifiers.
var clinicalTerms = set(`suboxone subutex zubsolv sublocade vivitrol naltrexone buprenorphine methadone naloxone narcan
lexapro escitalopram zoloft sertraline prozac fluoxetine paxil paroxetine celexa citalopram wellbutrin bupropion
effexor venlafaxine cymbalta duloxetine trazodone remeron mirtazapine seroquel quetiapine abilify aripiprazole
risperdal risperidone zyprexa olanzapine geodon lamictal lamotrigine depakote lithium topamax topiramate
gabapentin neurontin lyrica klonopin clonazepam xanax alprazolam ativan lorazepam valium diazepam librium
chlordiazepoxide adderall ritalin vyvanse concerta strattera hydroxyzine vistaril buspar buspirone prazosin
clonidine propranolol campral acamprosate antabuse disulfiram chantix varenicline percocet oxycodone oxycontin
vicodin hydrocodone fentanyl heroin tramadol ambien zolpidem latuda invega haldol haloperidol cogentin benadryl
tylenol advil ibuprofen melatonin metformin nicotine kratom xylazine meth methamphetamine cocaine crack alcohol
marijuana cannabis thc cbd benzos benzo opioids opiates fentanyl molly mdma lsd ketamine spravato
phq gad audit dast cows ciwa asam dsm icd cpt pcl columbia cssrs c-ssrs bdi bai
cbt dbt emdr mi mat iop php sud oud aud mdd ptsd adhd ocd bpd aa na ca cma al-anon alanon
nar-anon tipp mindfulness telehealth doxy facetime
medicaid medicare covid hiv hep hepatitis uds ua pt ot er ed icu ems cps dcf dhs ssi ssdi snap wic ged
god jesus christ lord bible christmas thanksgiving easter halloween
phq-9 phq9 phq-2 gad-7 gad7 gad-2 audit-c auditc dast-10 dast pcl-5 bam bprs ymrs moca mmse aces cage-aid
crafft whodas casii asi ciwa-ar cows sows tcu ybocs y-bocs cdi epds
sertraline fluvoxamine luvox vortioxetine trintellix vilazodone viibryd desvenlafaxine pristiq nortriptyline
amitriptyline doxepin imipramine clozapine clozaril ziprasidone lurasidone paliperidone cariprazine vraylar
brexpiprazole rexulti asenapine divalproex valproate carbamazepine tegretol oxcarbazepine trileptal
lisdexamfetamine methylphenidate atomoxetine guanfacine intuniv dexmedetomidine lofexidine lucemyra
zulresso esketamine brixadi probuphine kloxxado zimhi nalmefene opvee disulfiram topiramate baclofen
ondansetron zofran loperamide imodium dicyclomine promethazine phenergan temazepam restoril eszopiclone lunesta
prn bid tid qhs qd mg mcg ml milligrams micrograms
cbt-i ipt ifs tf-cbt cbt-sud crt rebt sbirt dbt-sud cft mbct mbsr
gad mdd gad ssri snri maoi tca nsaid bzd`)

// Therapy-skill and programme names: capitalised, yet not identifiers.
var clinicalPhrases = set(`wise_mind radical_acceptance distress_tolerance dear_man check_the_facts opposite_action
emotion_regulation interpersonal_effectiveness chain_analysis behavioral_activation cognitive_restructuring
motivational_interviewing safety_plan big_book serenity_prayer higher_power celebrate_recovery smart_recovery
self_management_and_recovery_training wellness_recovery_action_plan thinking_errors core_beliefs
cognitive_behavioral_therapy dialectical_behavior_therapy acceptance_and_commitment_therapy twelve_steps
narcotics_anonymous alcoholics_anonymous cocaine_anonymous gamblers_anonymous`)

// Common words that are also given names or surnames; they are names only with
// strong evidence (capitalised mid-sentence, a title, "my sister …").
var ambiguousNames = set(`will grace hope may june april august faith joy mark bill rose ray art amber summer autumn
dawn destiny honor justice major miles chance chase hunter mason wade drew gene dean joy pat sue rob frank
guy jack jean lily daisy ivy iris violet holly ruby pearl crystal sky river rocky sunny stormy
young king brown white black green gray grey hall wood woods price rich long little small short strong
bell booth bush cook fox ford gates hill lane love moody noble page park parks person rice rivers rose
sharp stone street walker ward waters west wells wolf baker banks barber bishop butler carpenter
carter chambers clay cross day field fields fish fisher fletcher gardner glass gold golden good gross hardy
hart hawk holiday hood horn house hunt judge kidd knight lamb law lord mann marsh mayo mercy meadows
miller moon moore mullins nash newman north oakes parsons patch penny pierce pike poe pope porter
potter pratt read reed rhodes rush salmon savage shepherd silver sparks spring steel stout strange
swift temple tower trim tucker turner vance vest wall warren waters weaver webb winter wise`)

// Everyday proper nouns that are not identifiers of a person.
var commonProper = set(`wi-fi wifi facebook instagram google youtube tiktok snapchat twitter netflix iphone android
internet uber lyft venmo cashapp english spanish christian catholic muslim jewish american mexican black white
hispanic latino latina asian african native bible narcotics anonymous alcoholics dialectical behavior therapy`)

// Words that can introduce a nickname: "they call me Slim", "everyone calls
// him Red", "my nickname is Tiny", "he goes by Ace".
var nickCue = set(`call calls called calling nickname nickname's nicknamed go goes went going`)

var andWords = set(`and &`)

// Words right before a facility named after a place verb: "at Serenity",
// "went to Pathways", "left Brightwater".
var placePreps = set(`at in to into from left leaving leave leaves`)

// Verbs of going: "went to Pathways", "discharged from Serenity".
var motionVerbs = set(`go goes going gone went come comes coming came back moved move moves moving sent send sends
transferred transfer admitted referred returned return returns returning drove drive drives driving headed heading
walked ran discharged released graduated kicked`)

// Words before "at"/"in" that aim at a person, not a place: "mad at Hope".
var atPerson = set(`look looks looked looking mad angry yell yells yelled yelling laugh laughs laughed laughing smile
smiled smiling stare stared staring point pointed pointing glare glared snap snapped scream screamed shout shouted
swear swore sworn pissed upset frustrated annoyed good bad great better worse best worst throw threw thrown lash
lashed aimed directed believe believes believed trust trusted faith interested`)

// Verbs whose subject is a person: "Jordan said", "Slim keeps hitting me up".
var personVerbs = set(`said says told tells asked asks called calls texted texts keeps kept came comes wants wanted
thinks thought knows knew helped helps yelled yells cried cries laughed laughs hugged visited visits promised lied
lies wrote writes gave gives brought brings picked dropped messaged messages blocked threatened threatens
apologized apologizes`)

// Words right before a person rather than a place: "with Austin", "told
// Jordan", "met Tyler".
var personBefore = set(`with told tell tells asked ask asks texted text texts met meet meets saw see sees love loves
loved hate hates hated miss misses missed married marry dating dated trust trusts trusted thank thanked`)

// companyWith: verbs before "with" whose object is a person ("staying with
// X", "fighting with X"); with "out", "in" and "up" before "with" ("hung out
// with", "moved in with", "broke up with").
var companyWith = set(`stay stays stayed staying live lives lived living fight fights fought fighting argue argues
argued arguing talk talks talked talking speak speaks spoke speaking chill chilled chilling hang hangs hanging
sleeping slept
used using drank drinking partied partying smoked smoking`)

// talkTo: verbs before "to" whose object is a person ("talked to X").
var talkTo = set(`talk talks talked talking speak speaks spoke speaking lied lie lying apologized apologize
apologizing listen listened listening married engaged wrote write writing reached`)

// Words before "at" that stay at a facility: "staying at", "in treatment
// at", "admitted at".
var stayWords = set(`stay stays stayed staying living lived lives live treatment inpatient residential detox rehab
admitted placed program sober`)

// Words that name treatment centres and sober houses on their own: "went to
// pathways", "in treatment at serenity".
var facilityWords = set(`pathways serenity haven harbor harbour sunrise gateway gateways crossroads horizons
horizon bridges bridgeway journey journeys landing oasis sanctuary renewal beacon lighthouse compass anchor
turning turnaround hopewell fairhaven brookside riverside lakeside hillside meadows oaks pines willows cedars
ridgeview`)

// Capitalised words that follow a place verb ("went to", "in", "at") yet name
// no facility or place smaller than a state: countries and regions, video
// platforms, care settings.
var notPlace = set(`america usa canada mexico europe asia africa australia iraq afghanistan iran syria kuwait
vietnam korea japan china india pakistan philippines germany france italy spain england britain ireland scotland
russia ukraine poland israel egypt nigeria ghana somalia ethiopia brazil colombia venezuela peru guatemala honduras
salvador nicaragua cuba haiti jamaica dominican puerto rico caribbean midwest zoom teams skype webex doxy
inpatient outpatient residential hospice psych juvie heaven hell`)

// brands: US retail, restaurant, service and logistics chains, written for
// this package from general knowledge (not from any corpus). In a small town
// the store someone works nights at identifies them; Safe Harbor's "any other
// unique identifying characteristic" covers it. Spaces are written "_".
var brands = set(`walmart wal-mart target costco sam's_club kroger safeway albertsons publix meijer aldi lidl
wegmans giant_eagle food_lion winn-dixie piggly_wiggly hy-vee h-e-b heb stop_&_shop shoprite harris_teeter
ingles weis save-a-lot food_4_less fred_meyer dillons smith's ralphs vons jewel-osco marc's
dollar_general family_dollar dollar_tree five_below big_lots ollie's tuesday_morning
walgreens cvs rite_aid duane_reade
home_depot lowe's lowes menards ace_hardware true_value tractor_supply harbor_freight northern_tool
autozone advance_auto_parts o'reilly napa pep_boys jiffy_lube valvoline firestone goodyear discount_tire
mcdonald's mcdonalds burger_king wendy's taco_bell kfc arby's sonic hardee's carl's_jr dairy_queen
chick-fil-a popeyes subway jimmy_john's jersey_mike's domino's pizza_hut papa_john's little_caesars
chipotle panera applebee's chili's olive_garden red_lobster texas_roadhouse outback cracker_barrel
denny's ihop waffle_house bob_evans golden_corral buffalo_wild_wings hooters perkins culver's
steak_'n_shake white_castle whataburger in-n-out zaxby's bojangles krispy_kreme dunkin dunkin'_donuts
starbucks tim_hortons biscuitville
sheetz wawa speedway circle_k love's pilot_flying_j flying_j casey's kwik_trip quiktrip racetrac
murphy_usa thorntons buc-ee's maverik cumberland_farms
best_buy gamestop staples office_depot kohl's jcpenney macy's tj_maxx marshalls ross burlington
old_navy hobby_lobby michaels joann dick's_sporting_goods academy_sports bass_pro cabela's
petsmart petco bed_bath_&_beyond ikea big_5 rural_king fleet_farm blain's orscheln
amazon fedex ups usps dhl uber_eats doordash instacart grubhub
planet_fitness anytime_fitness ymca ywca goodwill salvation_army
tyson_foods perdue smithfield hormel cargill jbs
h&r_block jackson_hewitt rent-a-center aaron's western_union moneygram
verizon t-mobile at&t sprint comcast xfinity spectrum frontier
geico progressive allstate state_farm
marriott hilton holiday_inn motel_6 super_8 red_roof_inn days_inn
amtrak greyhound`)
